package daemon

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/luasync/luasync/runtime/config"
	"github.com/luasync/luasync/runtime/rsync"
	"github.com/luasync/luasync/runtime/tunnel"
)

// tunnelFor returns the Tunnel of a tunnel{}, made the first time a sync
// asks for it: syncs that share a tunnel{} share its processes. A
// tunnel{} no sync uses is never started.
func (d *Daemon) tunnelFor(c *config.Tunnel) *tunnel.Tunnel {
	for i, tc := range d.tunnelCfgs {
		if tc == c {
			return d.tunnels[i]
		}
	}
	t := tunnel.New(tunnel.Options{Name: c.Name, Mode: tunnel.Mode(c.Mode), Command: c.Command, Parallel: c.Parallel,
		RetryDelay: c.RetryDelay, ReadyDelay: c.ReadyDelay, Localhost: c.Localhost, CheckCommand: c.CheckCommand,
		CheckExitCodes: c.CheckExitCodes, CheckMaxFailed: c.CheckMaxFailed, Logger: d.log})
	d.tunnelCfgs = append(d.tunnelCfgs, c)
	d.tunnels = append(d.tunnels, t)
	return t
}

// startTunnels runs every tunnel until the returned func is called, which
// stops them (their processes get SIGTERM, then SIGKILL) and waits.
func (d *Daemon) startTunnels(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, t := range d.tunnels {
		wg.Go(func() {
			if err := t.Run(ctx); err != nil {
				d.log.Error("tunnel stopped", "tunnel", t.Name(), "err", err)
			}
		})
	}
	return func() { cancel(); wg.Wait() }
}

// tunnelTarget is an rsync target written for a pool-mode tunnel
// ("rsync://user@^localhost:^localport/module"): each batch gets it with
// the endpoint of one of the tunnel's ready processes filled in.
type tunnelTarget struct {
	raw string
	tun *tunnel.Tunnel
}

var _ rsync.Tunnel = tunnelTarget{}

func (t tunnelTarget) Target() (rsync.Target, bool) {
	e, ok := t.tun.Endpoint()
	if !ok {
		return rsync.Target{}, false
	}
	target, err := rsync.ParseTarget(tunnel.Expand(t.raw, e))
	return target, err == nil // Validate parsed it with a stand-in port
}

func (t tunnelTarget) String() string { return t.raw }

// rsyncTunnel is what a sync's rsync target needs of its tunnel: the
// target with the stand-in endpoint filled in, for the sink's checks, and
// in pool mode the per-batch targets.
func (s *syncRun) rsyncTunnel(raw string) (string, rsync.Tunnel) {
	c := s.cfg.Tunnel
	if c == nil {
		return raw, nil
	}
	if c.Mode != config.TunnelPool {
		return c.StandIn(raw), nil // ^localhost only: the same for every batch
	}
	return c.StandIn(raw), tunnelTarget{raw: raw, tun: s.tunnel}
}

// waitTunnel waits, for a one-shot full sync, until tun is up; a tunnel
// that is not up within tunnelWait (at least a minute, or two rounds of
// readyDelay and retryDelay) fails that target.
func waitTunnel(ctx context.Context, tun *tunnel.Tunnel, c *config.Tunnel) error {
	limit := time.NewTimer(max(time.Minute, 2*(c.ReadyDelay+c.RetryDelay)))
	defer limit.Stop()
	for {
		up, changed := tun.Open()
		if up {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		case <-limit.C:
			return fmt.Errorf("%s is still %s: see its log lines", tun, tun.State())
		}
	}
}

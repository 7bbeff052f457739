package daemon

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/luasync/luasync/runtime/event"
)

// FullSync makes every target of every sync identical to its source once,
// without watching (luasync sync; sersync's -r). Targets run in parallel;
// one failing target does not stop the others, and every failure is
// reported.
func (d *Daemon) FullSync(ctx context.Context) error {
	vmCtx, stopVM := context.WithCancel(context.WithoutCancel(ctx))
	vmDone := make(chan error, 1)
	go func() { vmDone <- d.vm.Run(vmCtx) }() // Lua filters are asked about every path
	defer func() { stopVM(); <-vmDone }()
	stopTunnels := d.startTunnels(context.WithoutCancel(ctx))
	defer stopTunnels()
	var (
		g    errgroup.Group
		mu   sync.Mutex
		errs []error
	)
	for _, s := range d.syncs {
		if err := checkSource(s.cfg.Source); err != nil {
			return fmt.Errorf("sync %s: %w", s.cfg.Name, err)
		}
		for _, t := range s.sinks {
			if t.role == pluginRole {
				continue // a plugin gets changes, not full syncs
			}
			g.Go(func() error {
				if err := d.fullSyncOne(ctx, s, t); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
				return nil
			})
		}
	}
	g.Wait()
	d.closeSinks()
	return errors.Join(errs...)
}

func (d *Daemon) fullSyncOne(ctx context.Context, s *syncRun, t namedSink) error {
	if s.tunnel != nil {
		d.log.Info("waiting for the tunnel", "sink", t.name, "tunnel", s.tunnel.Name())
		if err := waitTunnel(ctx, s.tunnel, s.cfg.Tunnel); err != nil {
			d.log.Error("full sync failed", "sink", t.name, "err", err)
			return fmt.Errorf("full sync %s: %w", t.name, err)
		}
	}
	retry := s.cfg.Retry
	begin := time.Now()
	if res := d.applyFullSync(ctx, t, retry); res.Outcome != event.OK {
		d.log.Error("full sync failed", "sink", t.name, "err", res.Err)
		return fmt.Errorf("full sync %s: %w", t.name, res.Err)
	}
	d.log.Info("full sync complete", "sink", t.name, "took", time.Since(begin).Round(time.Millisecond))
	if t.role == actionRole {
		return nil // an Init covers none of the actions' failed events (see replay.go)
	}
	if _, err := d.fails.Compact(t.id, begin); err != nil {
		d.log.Error("compact fail log", "err", err)
	}
	return nil
}

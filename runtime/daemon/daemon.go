package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"golang.org/x/sync/errgroup"

	"github.com/luasync/luasync/runtime/config"
	"github.com/luasync/luasync/runtime/event"
	"github.com/luasync/luasync/runtime/faillog"
	"github.com/luasync/luasync/runtime/luavm"
)

// Daemon is one running configuration.
type Daemon struct {
	cfg   *config.Config
	vm    *luavm.VM
	log   *slog.Logger
	fails *faillog.Log
	syncs []*syncRun
}

// New prepares every sync: filters, sinks and pools. Nothing is watched
// until Run.
func New(cfg *config.Config, vm *luavm.VM, log *slog.Logger) (*Daemon, error) {
	fails, err := faillog.Open(FailLogPath(cfg))
	if err != nil {
		return nil, err
	}
	d := &Daemon{cfg: cfg, vm: vm, log: log, fails: fails}
	for i := range cfg.Syncs {
		s, err := newSyncRun(d, &cfg.Syncs[i])
		if err != nil {
			return nil, err
		}
		d.syncs = append(d.syncs, s)
	}
	return d, nil
}

// FailLogPath is settings.failLog, or luasync.fail.log beside the config.
func FailLogPath(cfg *config.Config) string {
	if cfg.Settings.FailLog != "" {
		return cfg.Settings.FailLog
	}
	p := filepath.Join(filepath.Dir(cfg.File), "luasync.fail.log")
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

// Run watches every sync's source and applies changes until ctx is
// cancelled; then it drains and persists. Watches for every sync are in place
// before any startup full sync is queued.
func (d *Daemon) Run(ctx context.Context) error {
	for _, s := range d.syncs {
		if err := s.open(); err != nil {
			d.closeAll()
			return err
		}
	}
	if err := d.queueStartupSyncs(); err != nil {
		d.closeAll()
		return err
	}
	// Three lifetimes, stopped in order: watchers (ctx), then pools (they
	// drain, calling the Lua filter for full syncs), then the Lua VM.
	background := context.WithoutCancel(ctx)
	vmCtx, stopVM := context.WithCancel(background)
	defer stopVM()
	vmDone := make(chan error, 1)
	go func() { vmDone <- d.vm.Run(vmCtx) }()
	poolCtx, stopPools := context.WithCancel(background)
	defer stopPools()
	var pools errgroup.Group
	for _, s := range d.syncs {
		for _, p := range s.pools {
			pools.Go(func() error { return p.Run(poolCtx) })
		}
	}
	watchers, wctx := errgroup.WithContext(ctx)
	for _, s := range d.syncs {
		watchers.Go(func() error { return s.run(wctx) })
	}
	statusDone := make(chan struct{})
	if d.cfg.Settings.StatusFile != "" {
		d.writeStatus()
		go func() { defer close(statusDone); d.runStatus(wctx) }()
	} else {
		close(statusDone)
	}
	d.log.Info("luasync running", "syncs", len(d.syncs), "fail_log", d.fails.Path())
	werr := watchers.Wait() // when ctx is cancelled, or a watcher failed
	stopPools()
	perr := pools.Wait()
	d.closeSinks()
	<-statusDone
	d.writeStatus() // the final counts
	stopVM()
	if err := <-vmDone; err != nil && !errors.Is(err, context.Canceled) {
		perr = errors.Join(perr, fmt.Errorf("lua vm: %w", err))
	}
	return errors.Join(werr, perr)
}

// queueStartupSyncs queues a root Rescan for every sink whose sync has
// init = true, or that has fail log entries from an earlier run.
func (d *Daemon) queueStartupSyncs() error {
	entries, err := d.fails.Load()
	if err != nil {
		return err
	}
	failed := map[string]int{}
	for _, e := range entries {
		failed[e.Sink]++
	}
	for _, s := range d.syncs {
		for _, p := range s.pools {
			n := failed[p.Name()]
			if n > 0 {
				d.log.Warn("fail log has entries from an earlier run; a full sync will cover them",
					"sink", p.Name(), "entries", n)
			}
			if s.cfg.Init || n > 0 {
				p.Add(event.Event{Op: event.Rescan, Path: "", IsDir: true})
			}
		}
	}
	return nil
}

// closeSinks releases what sinks keep between batches (an rsync sink's
// shared ssh connection), once no batch runs.
func (d *Daemon) closeSinks() {
	for _, s := range d.syncs {
		for _, t := range s.sinks {
			if c, ok := t.Sink.(io.Closer); ok {
				if err := c.Close(); err != nil {
					d.log.Warn("close sink", "sink", t.name, "err", err)
				}
			}
		}
	}
}

func (d *Daemon) closeAll() {
	for _, s := range d.syncs {
		s.close()
	}
}

// checkSource re-checks at start what Validate checked at load time: the
// source may have gone in between.
func checkSource(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("source %s: %w", path, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("source %s: not a directory", path)
	}
	return nil
}

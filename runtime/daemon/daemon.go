package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/luasync/luasync/runtime/config"
	"github.com/luasync/luasync/runtime/cron"
	"github.com/luasync/luasync/runtime/event"
	"github.com/luasync/luasync/runtime/faillog"
	"github.com/luasync/luasync/runtime/luavm"
	"github.com/luasync/luasync/runtime/sink"
	"github.com/luasync/luasync/runtime/tunnel"
)

// Daemon is one running configuration.
type Daemon struct {
	cfg   *config.Config
	vm    *luavm.VM
	log   *slog.Logger
	fails *faillog.Log
	syncs []*syncRun
	// startup ends Run when a startup sync fails and insist is off.
	startup *startupCheck
	// cron starts the scheduled full syncs (crontab, fullsync); planned
	// lists its jobs, in its order.
	cron    *cron.Runner
	planned []planned
	// replays are action sinks whose fail log entries were replayed.
	replays []replay
	// tunnels are the tunnel{}s the syncs use, made by tunnelFor, each
	// with its config at the same index of tunnelCfgs.
	tunnels    []*tunnel.Tunnel
	tunnelCfgs []*config.Tunnel
	// running holds when each plugin's running entry was written to the
	// fail log (plugins.go); guarded by mu.
	mu      sync.Mutex
	running map[*sink.Pool]time.Time
	// recoveries are the plugins' fail log replays (pluginreplay.go).
	recoveries []*recovery
}

// New prepares every sync: filters, sinks and pools. Nothing is watched
// until Run. It locks the fail log first: if another luasync holds it, New
// fails with an error that wraps faillog.ErrInUse.
func New(cfg *config.Config, vm *luavm.VM, log *slog.Logger) (*Daemon, error) {
	fails, err := faillog.Open(FailLogPath(cfg))
	if err != nil {
		return nil, err
	}
	d := &Daemon{cfg: cfg, vm: vm, log: log, fails: fails, startup: newStartupCheck(), running: map[*sink.Pool]time.Time{}}
	for i := range cfg.Syncs {
		s, err := newSyncRun(d, &cfg.Syncs[i])
		if err != nil {
			fails.Close()
			return nil, err
		}
		d.syncs = append(d.syncs, s)
	}
	vm.OnExcludes(func(index int, patterns []string) { d.syncs[index].keep.setDynamic(patterns) })
	if err := d.newRunner(); err != nil {
		fails.Close()
		return nil, err
	}
	return d, nil
}

// Close releases the fail log's lock, which New took so that no other
// luasync can write the same fail log while this one may.
func (d *Daemon) Close() error { return d.fails.Close() }

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
	ctx, stopAll := context.WithCancel(ctx)
	defer stopAll()
	term := newTermination(stopAll, d.log)
	d.vm.SetTerminate(term.request)
	for _, s := range d.syncs {
		if err := s.open(); err != nil {
			d.closeAll()
			return err
		}
	}
	if err := d.startPlugins(ctx); err != nil {
		d.closeAll()
		return err
	}
	if err := d.queueStartupSyncs(); err != nil {
		d.closeAll()
		d.closeSinks()
		return err
	}
	// Three lifetimes, stopped in order: watchers (ctx), then pools (they
	// drain, calling the Lua filter for full syncs), then the Lua VM.
	background := context.WithoutCancel(ctx)
	vmCtx, stopVM := context.WithCancel(background)
	defer stopVM()
	vmDone := make(chan error, 1)
	go func() { vmDone <- d.vm.Run(vmCtx) }()
	stopTunnels := d.startTunnels(background) // stopped once the pools have drained through them
	defer stopTunnels()
	stopPlugins := d.runPlugins(background) // likewise
	defer stopPlugins()
	stopPools := d.runPools(background)
	watchers, wctx := errgroup.WithContext(ctx)
	for _, s := range d.syncs {
		watchers.Go(func() error { return s.run(wctx) })
	}
	watchers.Go(func() error { return d.startup.wait(wctx) })
	watchers.Go(func() error { return d.cron.Run(wctx) })
	watchers.Go(func() error { d.compactReplayed(wctx); return nil })
	watchers.Go(func() error { d.recoverPlugins(wctx); return nil })
	statusDone := make(chan struct{})
	if d.cfg.Settings.StatusFile != "" {
		d.writeStatus()
		go func() { defer close(statusDone); d.runStatus(wctx) }()
	} else {
		close(statusDone)
	}
	d.log.Info("luasync running", "syncs", len(d.syncs), "fail_log", d.fails.Path())
	werr := watchers.Wait() // when ctx is cancelled, or a watcher failed
	perr := stopPools()
	stopTunnels()
	stopPlugins()
	d.closeSinks()
	<-statusDone
	d.writeStatus() // the final counts
	stopVM()
	if err := <-vmDone; err != nil && !errors.Is(err, context.Canceled) {
		perr = errors.Join(perr, fmt.Errorf("lua vm: %w", err))
	}
	return errors.Join(werr, perr, term.err())
}

// queueStartupSyncs queues a root Rescan for every sink whose sync has
// init = true, or that has fail log entries from an earlier run.
func (d *Daemon) queueStartupSyncs() error {
	failed, err := d.loadFailLog()
	if err != nil {
		return err
	}
	for _, s := range d.syncs {
		for _, t := range s.sinks {
			entries := failed[t.id]
			switch t.role {
			case actionRole:
				d.queueActionStartup(s, t.pool, entries)
				continue
			case pluginRole:
				d.queuePluginStartup(t, entries)
				continue
			}
			if len(entries) > 0 {
				d.log.Warn("fail log has entries from an earlier run; a full sync will cover them",
					"sink", t.name, "entries", len(entries))
			}
			if s.cfg.Init || len(entries) > 0 {
				t.pool.AddReady(event.Event{Op: event.Rescan, Path: "", IsDir: true})
			}
		}
	}
	return nil
}

// loadFailLog reads the fail log's events per sink. A damaged line is no
// reason to stop: it is logged with what it held, counts as a full sync
// for each sink it concerns, and is repaired into well-formed entries for
// them.
func (d *Daemon) loadFailLog() (map[string][]event.Event, error) {
	d.renameLegacySinks()
	entries, damage, err := d.fails.Load()
	if err != nil {
		return nil, err
	}
	failed := map[string][]event.Event{}
	for _, e := range entries {
		failed[e.Sink] = append(failed[e.Sink], e.Event)
	}
	if len(damage) == 0 {
		return failed, nil
	}
	var sinks []string
	for _, s := range d.syncs {
		for _, t := range s.sinks {
			sinks = append(sinks, t.id)
		}
	}
	for _, dm := range damage {
		full := dm.Concerns(sinks)
		d.log.Warn("fail log line is damaged (cut off by a crash or a full disk); skipping it, a full sync covers what it held",
			"file", d.fails.Path(), "line", dm.Line, "held", dm.Held, "bytes", dm.Len, "err", dm.Err, "full_sync", full)
		for _, s := range full {
			failed[s] = append(failed[s], event.Event{Op: event.Rescan, Path: "", IsDir: true})
		}
	}
	if n, err := d.fails.Repair(sinks); err != nil {
		d.log.Warn("could not rewrite the damaged fail log lines; the next start reads them again", "err", err)
	} else {
		d.log.Info("rewrote damaged fail log lines as full-sync requests", "file", d.fails.Path(), "lines", n)
	}
	return failed, nil
}

// renameLegacySinks renames fail log entries that earlier versions wrote under
// a sink's display name to the sink's stable identity.
func (d *Daemon) renameLegacySinks() {
	names := map[string]string{}
	for _, s := range d.syncs {
		for _, t := range s.sinks {
			if t.name != t.id {
				names[t.name] = t.id
			}
		}
	}
	n, err := d.fails.Rename(names)
	if err != nil {
		d.log.Warn("could not rename the fail log's entries to their sinks' new names; they are read under the old ones again at the next start", "err", err)
	} else if n > 0 {
		d.log.Info("renamed fail log entries from sinks' display names to their stable names", "file", d.fails.Path(), "entries", n)
	}
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

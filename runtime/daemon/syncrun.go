package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/luasync/luasync/runtime/action"
	"github.com/luasync/luasync/runtime/config"
	"github.com/luasync/luasync/runtime/direct"
	"github.com/luasync/luasync/runtime/event"
	"github.com/luasync/luasync/runtime/filter"
	"github.com/luasync/luasync/runtime/queue"
	"github.com/luasync/luasync/runtime/rsync"
	"github.com/luasync/luasync/runtime/sink"
	"github.com/luasync/luasync/runtime/tunnel"
	"github.com/luasync/luasync/runtime/watch"
)

// syncRun is one sync{}: a watcher, its filters, and a pool per sink.
type syncRun struct {
	d       *Daemon
	cfg     *config.Sync
	log     *slog.Logger
	traced  bool // debug logging: every event the watcher reports is logged
	filter  *filter.Filter
	keep    *keeper
	watcher *watch.Watcher
	// live is the watcher once it is open, for readers on other
	// goroutines (the sinks' Writing, the status file); a full sync may
	// run before the watch starts.
	live atomic.Pointer[watch.Watcher]
	// tunnel is the sync's tunnel{}, or nil: its pools wait while it is
	// not up.
	tunnel *tunnel.Tunnel
	pools  []*sink.Pool // every sink's, in the order of sinks
	sinks  []namedSink
	// plugins are the sync's plugins{}; started by Run (startPlugins),
	// which adds their sinks and pools.
	plugins []*pluginSink
	// routed counts the watcher's events handed to every pool, for settle.
	routed counter
}

// namedSink is one sink of a sync, with its pool.
type namedSink struct {
	name string // for logs: "www -> rsync://backup:8730/www"
	// id is the sink's identity in the fail log: the sync's name and the
	// sink's, stable across restarts ("www/rsync:backup::www").
	id   string
	role sinkRole
	pool *sink.Pool
	// afterMirror: a plugin fed by the mirror's applied events
	// (after = "mirror"), not by the watcher.
	afterMirror bool
	// retryMax is the sync's retry.max: how long a plugin's events wait
	// in the fail log before they are replayed to it (pluginreplay.go).
	retryMax time.Duration
	sink.Sink
}

// sinkRole is what a full sync means to a sink, and what becomes of its
// fail log entries.
type sinkRole uint8

const (
	// mirrorRole: a full sync brings the target level, and settles the
	// sink's fail log entries.
	mirrorRole sinkRole = iota
	// actionRole: Lua actions run per event; a full sync (Init) covers
	// none of their failed events, which are replayed (replay.go).
	actionRole
	// pluginRole: a plugin gets the sync's changes and nothing else (no
	// startup or scheduled full sync); its entries are replayed unless it
	// says not to (plugins.go).
	pluginRole
)

func newSyncRun(d *Daemon, cfg *config.Sync) (*syncRun, error) {
	f, err := filter.New(cfg.FilterOptions())
	if err != nil {
		return nil, fmt.Errorf("sync %s: %w", cfg.Name, err)
	}
	s := &syncRun{d: d, cfg: cfg, filter: f, log: d.log.With("sync", cfg.Name)}
	s.traced = s.log.Enabled(context.Background(), slog.LevelDebug)
	s.keep = newKeeper(f, d.vm, cfg.Index, s.log)
	if cfg.Tunnel != nil {
		s.tunnel = d.tunnelFor(cfg.Tunnel)
	}
	for i := range cfg.Plugins {
		s.plugins = append(s.plugins, newPluginSink(s, &cfg.Plugins[i]))
	}
	switch cfg.Kind {
	case "":
		return s, nil // plugins alone
	case "action":
		s.addPool(namedSink{name: cfg.Name + " (actions)", id: cfg.Name + "/actions", role: actionRole, Sink: s.actions(nil)})
		return s, nil
	case "direct":
		target, err := direct.New(cfg.Source, cfg.Target, direct.Options{Keep: s.keep.Keeps, Delete: cfg.Delete,
			FullDelete: cfg.FullDelete, Logger: s.log})
		if err != nil {
			return nil, fmt.Errorf("sync %s: %w", cfg.Name, err)
		}
		s.addPool(namedSink{name: cfg.Name + " -> " + cfg.Target, id: cfg.Name + "/direct:" + cfg.Target,
			Sink: s.withActions(target)})
		return s, nil
	}
	for _, raw := range cfg.RsyncTargets() {
		target, err := s.newRsync(raw)
		if err != nil {
			return nil, fmt.Errorf("sync %s: target %s: %w", cfg.Name, raw, err)
		}
		s.addPool(namedSink{name: cfg.Name + " -> " + target.String(), id: cfg.Name + "/" + cfg.Kind + ":" + raw,
			Sink: s.withActions(target)})
	}
	if len(s.pools) == 0 {
		return nil, fmt.Errorf("sync %s: kind %q has no target", cfg.Name, cfg.Kind)
	}
	return s, nil
}

// newRsync builds one rsync sink; every target of a sync gets its own, with
// its own queue and pool, so a slow target never holds back another.
func (s *syncRun) newRsync(raw string) (*rsync.Sink, error) {
	raw, tun := s.rsyncTunnel(raw)
	t, err := rsync.ParseTarget(raw)
	if err != nil {
		return nil, err
	}
	c := s.cfg
	return rsync.New(rsync.Options{Tunnel: tun,
		Source: c.Source, Target: t, Binary: c.Rsync.Binary, Args: c.Rsync.Args, Port: c.Rsync.Port,
		PasswordFile: c.Rsync.PasswordFile, Timeout: c.Rsync.Timeout, Rsh: c.Rsync.Rsh,
		SSH: rsync.SSHOptions(c.SSH), Delete: c.Delete, FullDelete: c.FullDelete, Excludes: s.filter.Patterns(),
		Keep: s.keep.Keeps, Writing: s.isWriting, WalkForKeep: s.keep.lua || len(c.FilterOptions().Regex) > 0,
		ExitCodes: exitClasses(c.RsyncExitCodes), SSHExitCodes: exitClasses(c.SSHExitCodes),
		ExitCodesFrom: keyPos(c, "rsyncExitCodes"), SSHExitCodesFrom: keyPos(c, "sshExitCodes"), Logger: s.log,
	})
}

// poolOptions are the sync's settings for a sink's queue and pool;
// addPool fills in the sink's own.
func (s *syncRun) poolOptions() (queue.Options, sink.Options) {
	q := queue.Options{Delay: s.cfg.Delay, MaxWait: s.cfg.MaxWait, BatchFiles: s.cfg.BatchFiles,
		BatchBytes: s.cfg.BatchBytes, LargeFile: s.cfg.BatchSizeLimit, MaxPending: s.cfg.MaxDelays}
	var gate sink.Gate
	if s.tunnel != nil {
		gate = s.tunnel
	}
	return q, sink.Options{
		Gate:    gate,
		Workers: s.cfg.Workers,
		Window:  s.cfg.BatchInterval,
		Retry:   sink.Retry{Attempts: s.cfg.Retry.Attempts, Initial: s.cfg.Retry.Initial, Max: s.cfg.Retry.Max},
		Grace:   s.d.cfg.Settings.ShutdownGrace,
		FailLog: s.d.fails,
		Logger:  s.d.log,
		Settle:  s.settle,
		Source:  mirrorSource(s.cfg),
	}
}

// addPool gives t a queue and a pool, and adds it to the sync's sinks;
// adjust, if not nil, changes the sync's settings for this sink.
func (s *syncRun) addPool(t namedSink, adjust ...func(*queue.Options, *sink.Options)) {
	qo, po := s.poolOptions()
	for _, a := range adjust {
		a(&qo, &po)
	}
	po.Name, po.ID = t.name, t.id
	if t.role != pluginRole {
		po.FullSyncDone = s.d.startup.hook(s.d.cfg.Settings, t.name)
	}
	if t.role == mirrorRole {
		po.Applied = s.applied
	}
	if t.role == actionRole {
		po.Replays = true
	}
	t.pool = sink.NewPool(t.Sink, queue.New(qo), po)
	t.retryMax = s.cfg.Retry.Max
	s.sinks = append(s.sinks, t)
	s.pools = append(s.pools, t.pool)
}

// settle returns once every change made in the source before the call has
// reached every pool: the watcher has read it (Flush) and route has
// pushed what it sent. Without a watcher (a one-shot sync) there is
// nothing to wait for.
func (s *syncRun) settle(ctx context.Context) error {
	w := s.live.Load()
	if w == nil {
		return nil
	}
	sent, err := w.Flush(ctx)
	if err != nil {
		return err
	}
	return s.routed.wait(ctx, sent)
}

// isWriting reports whether the watcher saw rel created and not yet closed.
func (s *syncRun) isWriting(rel string) bool {
	w := s.live.Load()
	return w != nil && w.Writing(rel)
}

// open adds the watches for the whole source tree.
func (s *syncRun) open() error {
	if err := checkSource(s.cfg.Source); err != nil {
		return fmt.Errorf("sync %s: %w", s.cfg.Name, err)
	}
	w, err := watch.Open(s.cfg.Source, watch.Options{Mode: watchMode(s.d.cfg.Settings.InotifyMode),
		Skip: s.filter.Skip, PathSkip: s.filter.PathDependent(), Logger: s.log})
	if err != nil {
		return fmt.Errorf("sync %s: %w", s.cfg.Name, err)
	}
	s.watcher = w
	s.live.Store(w)
	s.log.Info("watching", "source", s.cfg.Source, "directories", w.Watches())
	return nil
}

func (s *syncRun) close() {
	if s.watcher != nil {
		s.watcher.Close()
	}
}

// run routes the watcher's events to every pool until ctx is done, then
// routes what the watcher had already read, so nothing read is dropped.
func (s *syncRun) run(ctx context.Context) error {
	events := make(chan event.Event, 4096)
	werr := make(chan error, 1)
	go func() {
		werr <- s.watcher.Run(ctx, events)
		close(events)
	}()
	for ev := range events {
		s.route(ev)
		s.routed.add()
	}
	if err := <-werr; err != nil {
		return fmt.Errorf("sync %s: %w", s.cfg.Name, err)
	}
	return nil
}

// route applies the Lua filter (to the path and the directories above it)
// and hands the event to every sink's pool. A directory renamed where a
// filter function decides by path is synced whole at its new name after
// the rename: what the function drops below it may differ there.
func (s *syncRun) route(ev event.Event) {
	if s.traced {
		s.log.Debug("watched", "event", ev) // what the watcher reported, before any filter
	}
	if ev.Op != event.Rescan && !s.keep.KeepsEvent(ev) {
		if ev.Op != event.Move || !s.keep.Keeps(ev.From, ev.IsDir) {
			return
		}
		// The new name is filtered out: to the target the old name is gone.
		ev = event.Event{Op: event.Delete, Path: ev.From, IsDir: ev.IsDir}
	}
	s.add(ev)
	if ev.Op == event.Move && ev.IsDir && s.keep.lua {
		s.add(event.Event{Op: event.Rescan, Path: ev.Path, IsDir: true})
	}
}

// add hands a change the watcher reported to every sink but those that
// come after the mirror (applied feeds them), which get only a lost
// track of the whole tree (a root Rescan): the mirror's own root Rescans
// are startup and scheduled full syncs, which plugins do not get.
func (s *syncRun) add(ev event.Event) {
	for _, t := range s.sinks {
		if !t.afterMirror || (ev.Op == event.Rescan && ev.Path == "") {
			t.pool.Add(ev)
		}
	}
}

// applied feeds what a mirror target applied to the plugins that come
// after the mirror; with several targets they get it from each.
func (s *syncRun) applied(evs []event.Event) {
	for _, t := range s.sinks {
		if !t.afterMirror {
			continue
		}
		for _, ev := range evs {
			if ev.Op == event.Rescan && ev.Path == "" {
				continue // a full sync: see add
			}
			ev.Scope = nil
			t.pool.Add(ev)
		}
	}
}

// actions is the sink that runs the sync's Lua actions; mirror, when not
// nil, is the sync's own mirror, which they hand events back to.
func (s *syncRun) actions(mirror action.Mirror) *action.Sink {
	c := s.cfg
	return action.New(action.Options{Sync: c.Index, Name: c.Name, Lua: s.d.vm, Mirror: mirror,
		Where: fmt.Sprintf("%s:%d", c.Pos.File, c.Pos.Line), Logger: s.log, Dir: configDir(s.d.cfg),
		Source: c.Source, Keep: s.keep.Keeps})
}

// withActions puts a mirror behind the sync's actions when the config
// gives it an action function of its own; otherwise it is the sink.
func (s *syncRun) withActions(mirror sink.Sink) sink.Sink {
	if !s.cfg.Actions {
		return mirror
	}
	return s.actions(mirror)
}

// configDir is the directory of the config file: actions' processes run
// there, so relative paths in commands mean what they mean in the config.
func configDir(c *config.Config) string {
	if c.File == "" {
		return ""
	}
	dir, err := filepath.Abs(filepath.Dir(c.File))
	if err != nil {
		return ""
	}
	return dir
}

// mirrorSource is the source a pool checks applied paths against, for a
// mirror: actions decide for themselves what a vanished path means.
func mirrorSource(c *config.Sync) string {
	if c.Kind == "action" {
		return ""
	}
	return c.Source
}

func watchMode(m config.InotifyMode) watch.Mode {
	switch m {
	case config.Modify:
		return watch.Modify
	case config.CloseWriteOrModify:
		return watch.CloseWriteOrModify
	}
	return watch.CloseWrite
}

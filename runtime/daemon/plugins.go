package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/luasync/luasync/plugins/sdk"
	"github.com/luasync/luasync/runtime/config"
	"github.com/luasync/luasync/runtime/event"
	"github.com/luasync/luasync/runtime/faillog"
	"github.com/luasync/luasync/runtime/pluginhost"
	"github.com/luasync/luasync/runtime/queue"
	"github.com/luasync/luasync/runtime/sink"
)

// A plugin is a sink like a target: its own queue, workers, retries and
// fail log entries, so a plugin that is down holds back neither the
// sync's targets nor its other plugins. It gets the sync's changes (and
// the Rescans of what the watcher lost track of), never a startup or
// scheduled full sync, and its fail log entries are replayed to it at the
// next start unless it says it takes no replays (sdk.Info.NoReplay).

// pluginSink is one plugin of a sync, until Run starts it.
type pluginSink struct {
	cfg  *config.Plugin
	name string // for logs: "www -> plugin cdn"
	id   string // in the fail log: "www/plugin:cdn"
	host *pluginhost.Host
}

func newPluginSink(s *syncRun, c *config.Plugin) *pluginSink {
	return &pluginSink{cfg: c, name: s.cfg.Name + " -> plugin " + c.Name, id: s.cfg.Name + "/plugin:" + c.Name}
}

// PluginCommand is the command that serves a built-in plugin: this
// binary, `luasync plugin serve KIND`. Tests of other binaries replace it.
var PluginCommand = func(kind string) ([]string, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find the luasync binary to serve plugin %s: %w", kind, err)
	}
	return []string{exe, "plugin", "serve", kind}, nil
}

// PluginOptions is how pluginhost starts plugin c of sync s.
func PluginOptions(s *config.Sync, c *config.Plugin, log *slog.Logger) (pluginhost.Options, error) {
	o := pluginhost.Options{Name: s.Name + "/plugin:" + c.Name, SHA256: c.SHA256, MTLS: c.MTLS,
		Config: c.Config, Sync: s.Name, Source: s.Source, Timeout: c.CallTimeout, Logger: log}
	if c.Kind != "plugin" {
		argv, err := PluginCommand(c.Kind)
		if err != nil {
			return o, err
		}
		o.Command, o.MTLS = argv, true
		return o, nil
	}
	o.Command = append([]string{c.Path}, c.Args...)
	return o, nil
}

// PluginError turns what starting plugin c said into an error for the
// config's author: a mistake in its config, at the key's line, or what
// went wrong starting it.
func PluginError(s *config.Sync, c *config.Plugin, err error) error {
	var bad sdk.ConfigErrors
	if errors.As(err, &bad) {
		errs := make([]error, len(bad))
		for i, e := range bad {
			errs[i] = c.ErrorAt(e.Key, e.Message)
		}
		return errors.Join(errs...)
	}
	return &config.Error{Pos: c.Pos, Table: c.Table(), Msg: fmt.Sprintf("sync %s, plugin %s: %v", s.Name, c.Name, err)}
}

// startPlugins starts every sync's plugins and gives each a pool. On an
// error the plugins started so far are stopped.
func (d *Daemon) startPlugins(ctx context.Context) error {
	for _, s := range d.syncs {
		for _, p := range s.plugins {
			if err := s.startPlugin(ctx, p); err != nil {
				d.closeSinks()
				return err
			}
		}
	}
	return nil
}

func (s *syncRun) startPlugin(ctx context.Context, p *pluginSink) error {
	o, err := PluginOptions(s.cfg, p.cfg, s.log)
	if err != nil {
		return err
	}
	host, err := pluginhost.Start(ctx, o)
	if err != nil {
		return PluginError(s.cfg, p.cfg, err)
	}
	p.host = host
	info := host.Info()
	s.log.Info("plugin started", "plugin", p.cfg.Name, "name", info.Name, "version", info.Version, "pid", host.PID())
	s.addPool(namedSink{name: p.name, id: p.id, role: pluginRole, afterMirror: p.cfg.After == "mirror", Sink: host}, func(q *queue.Options, o *sink.Options) {
		o.Workers = max(1, info.MaxInFlight)
		if info.MaxBatch > 0 && (q.BatchFiles == 0 || info.MaxBatch < q.BatchFiles) {
			q.BatchFiles = info.MaxBatch
		}
		o.Replays = true
	})
	return nil
}

// runPlugins pings every started plugin and restarts one that died while
// idle, until the function it returns is called (more than once is fine).
func (d *Daemon) runPlugins(ctx context.Context) func() {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	n := 0
	for _, s := range d.syncs {
		for _, p := range s.plugins {
			if p.host == nil {
				continue
			}
			n++
			go func() {
				defer func() { done <- struct{}{} }()
				if err := p.host.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
					d.log.Error("plugin supervisor stopped", "sink", p.name, "err", err)
				}
			}()
		}
	}
	return sync.OnceFunc(func() {
		cancel()
		for range n {
			<-done
		}
	})
}

// queuePluginStartup replays a plugin's fail log entries to it, unless it
// takes no replays: then they stay in the fail log, and are reported. It
// also writes the plugin's "running" entry (see markRunning).
func (d *Daemon) queuePluginStartup(t namedSink, failed []event.Event) {
	host, _ := t.Sink.(*pluginhost.Host)
	if host != nil && host.Info().NoReplay {
		if len(failed) > 0 {
			d.log.Warn("fail log has events from an earlier run for a plugin that takes no replays; they stay in the fail log",
				"sink", t.name, "events", len(failed), "file", d.fails.Path())
		}
		return
	}
	r := &recovery{pool: t.pool, wait: t.retryMax}
	d.recoveries = append(d.recoveries, r)
	if len(failed) > 0 {
		d.log.Warn("fail log has events from an earlier run; replaying them to the plugin", "sink", t.name, "events", len(failed))
		r.before, r.all = time.Now(), true
		for _, ev := range failed {
			t.pool.Add(ev)
		}
	}
	d.markRunning(t) // after r.before: the replay's clean-up leaves it
}

// markRunning writes a full-tree entry for a plugin into the fail log,
// removed again when the plugin's pool stops cleanly (clearRunning). The
// events a plugin has not been handed yet live in memory only: if luasync
// is killed (SIGKILL, a crash, the power), the entry is still there at the
// next start and is replayed to the plugin as a Full event of the whole
// source ("anything may have changed"), so that nothing is lost even then.
func (d *Daemon) markRunning(t namedSink) {
	e := faillog.Entry{Time: time.Now(), Sink: t.id, Event: event.Event{Op: event.Rescan, Path: "", IsDir: true},
		Reason: "luasync was running; a clean stop removes this entry, so at a start it means luasync was killed and the plugin may have missed changes"}
	if err := d.fails.Append(e); err != nil {
		d.log.Warn("could not mark the plugin as running in the fail log; if luasync is killed, what it had not handed over is lost",
			"sink", t.name, "err", err)
		return
	}
	d.mu.Lock()
	d.running[t.pool] = e.Time
	d.mu.Unlock()
}

// clearRunning removes a plugin's running entry once its pool has stopped
// with everything applied or in the fail log.
func (d *Daemon) clearRunning(p *sink.Pool) {
	d.mu.Lock()
	at, ok := d.running[p]
	delete(d.running, p)
	d.mu.Unlock()
	if !ok {
		return
	}
	if _, err := d.fails.Drop(p.ID(), at); err != nil {
		d.log.Warn("could not remove the plugin's running entry from the fail log; the next start replays a full-tree event to it",
			"sink", p.Name(), "err", err)
	}
}

package command

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/luasync/luasync/plugins/sdk"
)

// Version is the plugin's version, as Info reports it.
const Version = "1.0.0"

// maxBatch caps a batch: each event is a process anyway, and ordering
// within a batch compares every pair of events.
const maxBatch = 64

// Plugin runs a command per event.
type Plugin struct {
	mu  sync.Mutex
	run *runner // nil until Configure succeeds
}

var _ sdk.Plugin = (*Plugin)(nil)

// New is an unconfigured command plugin.
func New() *Plugin { return &Plugin{} }

// Info accepts every operation: Info comes before Configure, so it cannot
// know the events key; Handle settles the unwanted ones as done.
func (p *Plugin) Info() sdk.Info {
	return sdk.Info{Name: "command", Version: Version, MaxBatch: maxBatch, MaxInFlight: DefaultWorkers}
}

// Configure checks the config and, unless cfg.Check, takes it.
func (p *Plugin) Configure(_ context.Context, cfg *sdk.Config) error {
	o := parseOptions(cfg)
	if err := cfg.Err(); err != nil {
		return err
	}
	cfg.CallTimeout = callTimeout(o)
	if cfg.Check {
		return nil
	}
	r := newRunner(o, cfg.Source, cfg.Sync)
	p.mu.Lock()
	p.run = r
	p.mu.Unlock()
	return nil
}

// callTimeout is the longest a batch may take: every command of a full
// batch at its timeout, workers at a time, and some slack; the host takes
// a longer call for a hang of the plugin itself.
func callTimeout(o Options) time.Duration {
	rounds := (maxBatch + o.Workers - 1) / o.Workers
	return time.Duration(rounds)*(o.Timeout+killGrace) + 10*time.Second
}

var errNotConfigured = errors.New("command plugin: not configured")

// Handle runs the command for every event it wants, in parallel up to
// workers, each event after the earlier events of the batch it is
// ordered behind (see related).
func (p *Plugin) Handle(ctx context.Context, events []sdk.Event) []sdk.Result {
	p.mu.Lock()
	r := p.run
	p.mu.Unlock()
	if r == nil {
		return sdk.All(events, sdk.Retry, errNotConfigured)
	}
	results := make([]sdk.Result, len(events))
	done := make([]chan struct{}, len(events))
	var wg sync.WaitGroup
	for j, ev := range events {
		done[j] = make(chan struct{})
		var before []chan struct{}
		for i := range j {
			if related(events[i], ev) {
				before = append(before, done[i])
			}
		}
		wg.Go(func() {
			defer close(done[j])
			for _, c := range before {
				<-c
			}
			results[j] = r.handle(ctx, ev)
		})
	}
	wg.Wait()
	return results
}

// handle settles one event: done without a command if it is not wanted,
// otherwise the command's result.
func (r *runner) handle(ctx context.Context, ev sdk.Event) sdk.Result {
	if !r.wants(ev) {
		return sdk.Done(ev)
	}
	if err := checkPath(ev.Path); err != nil {
		return sdk.Failed(ev, err)
	}
	if err := checkPath(ev.From); err != nil {
		return sdk.Failed(ev, err)
	}
	select {
	case r.slots <- struct{}{}:
	case <-ctx.Done():
		return sdk.Again(ev, fmt.Errorf("wait for a worker for %q: %w", ev.Path, ctx.Err()))
	}
	defer func() { <-r.slots }()
	return r.exec(ctx, ev)
}

// wants applies events and include.
func (r *runner) wants(ev sdk.Event) bool {
	if !slices.Contains(r.opts.Events, ev.Op) {
		return false
	}
	if len(r.opts.Include) == 0 || ev.Op == sdk.Full {
		return true
	}
	for _, re := range r.opts.Include {
		if re.MatchString(ev.Path) || (ev.Op == sdk.Move && re.MatchString(ev.From)) {
			return true
		}
	}
	return false
}

// related reports whether b must wait for a, which came before it: they
// touch the same path, or one's path is inside the other's.
func related(a, b sdk.Event) bool {
	for _, x := range paths(a) {
		for _, y := range paths(b) {
			if within(x, y) || within(y, x) {
				return true
			}
		}
	}
	return false
}

func paths(ev sdk.Event) []string {
	if ev.Op == sdk.Move {
		return []string{ev.Path, ev.From}
	}
	return []string{ev.Path}
}

// within reports whether path is dir or below it ("" is the source).
func within(dir, path string) bool {
	return dir == "" || dir == path || strings.HasPrefix(path, dir+"/")
}

// checkPath refuses a path that is absolute or climbs out of the source:
// the host never sends one, and joined to the source it would name a file
// elsewhere.
func checkPath(p string) error {
	if strings.HasPrefix(p, "/") || strings.IndexByte(p, 0) >= 0 {
		return fmt.Errorf("bad event path %q: not relative", p)
	}
	for _, part := range strings.Split(p, "/") {
		if part == ".." {
			return fmt.Errorf("bad event path %q: climbs out of the source", p)
		}
	}
	return nil
}

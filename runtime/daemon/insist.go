package daemon

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/luasync/luasync/runtime/config"
	"github.com/luasync/luasync/runtime/event"
	"github.com/luasync/luasync/runtime/sink"
)

// lsyncd's insist: without it, a startup full sync that fails ends the run,
// as lsyncd terminates when it cannot reach a target at startup; with it,
// the sync is retried with backoff (luasync's way, and run's default).

// insists reports whether settings.insist is on; unset is def.
func insists(s config.Settings, def bool) bool {
	if s.Insist == nil {
		return def
	}
	return *s.Insist
}

// startupCheck ends Run when a sink's first full sync fails and insist is
// off. Its hook goes into each pool's Options.FullSyncDone.
type startupCheck struct {
	failed chan error // capacity 1: the first failure is enough
	mu     sync.Mutex
	seen   map[string]bool // sinks whose first full sync has ended
}

func newStartupCheck() *startupCheck {
	return &startupCheck{failed: make(chan error, 1), seen: map[string]bool{}}
}

// hook returns sink name's FullSyncDone, or nil when insist is on.
func (c *startupCheck) hook(s config.Settings, name string) func(event.Outcome, error) {
	if insists(s, true) {
		return nil
	}
	return func(o event.Outcome, err error) {
		c.mu.Lock()
		first := !c.seen[name]
		c.seen[name] = true
		c.mu.Unlock()
		if !first || o == event.OK {
			return
		}
		select {
		case c.failed <- fmt.Errorf("startup sync of %s failed: %w; terminating since insist is not set (settings{ insist = true }, or -insist, retries instead)", name, err):
		default:
		}
	}
}

// wait returns the first startup failure, or nil once ctx is done.
func (c *startupCheck) wait(ctx context.Context) error {
	select {
	case err := <-c.failed:
		return err
	case <-ctx.Done():
		return nil
	}
}

// applyFullSync applies one full sync to t. When insist is set, a
// transient failure is retried with the sync's backoff until it succeeds,
// fails for good, or ctx ends.
func (d *Daemon) applyFullSync(ctx context.Context, t namedSink, retry config.Retry) event.Result {
	backoff := sink.Retry{Attempts: retry.Attempts, Initial: retry.Initial, Max: retry.Max}
	for n := 1; ; n++ {
		res := t.Apply(ctx, event.Batch{{Op: event.Rescan, Path: "", IsDir: true}})
		if len(res) != 1 {
			return event.Result{Outcome: event.Fail, Err: fmt.Errorf("sink returned %d results for one full sync", len(res))}
		}
		if res[0].Outcome != event.Retry || !insists(d.cfg.Settings, false) || backoff.Initial <= 0 {
			return res[0]
		}
		wait := backoff.Backoff(n)
		d.log.Warn("full sync failed; retrying since insist is set", "sink", t.name, "attempt", n, "in", wait, "err", res[0].Err)
		select {
		case <-ctx.Done():
			return res[0]
		case <-time.After(wait):
		}
	}
}

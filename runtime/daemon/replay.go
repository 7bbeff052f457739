package daemon

import (
	"context"
	"time"

	"github.com/luasync/luasync/runtime/event"
	"github.com/luasync/luasync/runtime/sink"
)

// Lua actions run per event, so a full sync covers nothing they failed to
// do: an action sink's fail log entries are replayed as the events they
// were, and removed from the fail log once the sink has settled all it
// had at startup (an event that fails again is written anew, after that).
// A crash before then replays them again: at least once, never lost.

// queueActionStartup queues an action sink's startup work: its Init (the
// startup sync, narrowed so that it absorbs no live event: actions must
// see those) and the events its fail log holds.
func (d *Daemon) queueActionStartup(s *syncRun, p *sink.Pool, failed []event.Event) {
	if s.cfg.Init {
		p.AddReady(event.Event{Op: event.Rescan, Path: "", IsDir: true, Scope: &event.Scope{}})
	}
	if len(failed) == 0 {
		return
	}
	d.log.Warn("fail log has events from an earlier run; replaying them to the actions", "sink", p.Name(), "events", len(failed))
	for _, ev := range failed {
		if ev.Op == event.Rescan && ev.Path == "" {
			ev.Scope = &event.Scope{} // a full-sync request: Init again
		}
		p.Add(ev)
	}
	d.replays = append(d.replays, replay{pool: p, before: time.Now()})
}

// replay is a sink whose fail log entries before a time were replayed.
type replay struct {
	pool   *sink.Pool
	before time.Time
}

// compactReplayed removes replayed entries once their sink is idle.
func (d *Daemon) compactReplayed(ctx context.Context) {
	pending := d.replays
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for len(pending) > 0 {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		left := pending[:0]
		for _, r := range pending {
			if st := r.pool.Stats(); st.Pending > 0 || st.InFlight > 0 {
				left = append(left, r)
				continue
			}
			n, err := d.fails.Compact(r.pool.ID(), r.before)
			if err != nil {
				d.log.Error("compact fail log after replay", "sink", r.pool.Name(), "err", err)
				continue
			}
			d.log.Info("replayed fail log events settled; removed them from the fail log", "sink", r.pool.Name(), "entries", n)
		}
		pending = left
	}
}

package daemon

import (
	"context"
	"time"

	"github.com/luasync/luasync/runtime/event"
	"github.com/luasync/luasync/runtime/faillog"
	"github.com/luasync/luasync/runtime/sink"
)

// A plugin's events that used up their retries go to the fail log, like
// a target's. A target then gets a full sync once it is likely back
// (package sink); a plugin gets its fail log entries again instead, a
// retry.max after the last of them went there, so that a plugin that was
// down a while catches up without waiting for a restart. An event the
// plugin failed outright (Fail: it will never work) waits for the next
// start, when the cause may have been fixed. Entries are removed once the
// plugin has settled what was replayed; what fails again is written anew.

// recovery is the replay state of one plugin's pool.
type recovery struct {
	pool *sink.Pool
	wait time.Duration // the sync's retry.max
	// failed is the pool's Failed count when last looked at, lastFail
	// when it last grew.
	failed   uint64
	lastFail time.Time
	// before, when set, is when entries were last replayed: once the pool
	// is idle, entries older than it are removed; final ones too if all
	// were replayed (at start), else they stay for the next start.
	before time.Time
	all    bool
}

// recoverPlugins replays plugins' fail log entries as described above,
// until ctx ends.
func (d *Daemon) recoverPlugins(ctx context.Context) {
	if len(d.recoveries) == 0 {
		return
	}
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			for _, r := range d.recoveries {
				d.recoverPlugin(r, now)
			}
		}
	}
}

func (d *Daemon) recoverPlugin(r *recovery, now time.Time) {
	st := r.pool.Stats()
	if st.Failed > r.failed {
		r.failed, r.lastFail = st.Failed, now
	}
	if st.Pending > 0 || st.InFlight > 0 {
		return
	}
	if !r.before.IsZero() {
		before, marker := r.before, d.runningSince(r.pool)
		n, err := d.fails.Remove(r.pool.ID(), func(e faillog.Entry) bool {
			return e.Time.Before(before) && !e.Time.Equal(marker) && (r.all || !e.Final)
		})
		if err != nil {
			d.log.Error("remove replayed events from the fail log", "sink", r.pool.Name(), "err", err)
			return
		}
		r.before, r.all = time.Time{}, false
		d.log.Info("replayed fail log events settled; removed them from the fail log", "sink", r.pool.Name(), "entries", n)
	}
	if r.lastFail.IsZero() || now.Sub(r.lastFail) < r.wait {
		return
	}
	r.lastFail = time.Time{}
	events, err := d.pluginEntries(r.pool)
	if err != nil {
		d.log.Error("read the fail log to replay a plugin's events", "sink", r.pool.Name(), "err", err)
		return
	}
	if len(events) == 0 {
		return
	}
	d.log.Info("replaying the plugin's events from the fail log", "sink", r.pool.Name(), "events", len(events))
	r.before, r.all = time.Now(), false
	for _, ev := range events {
		r.pool.Add(ev)
	}
}

// pluginEntries are the events the fail log holds for a plugin's pool
// that may work now: all but its running entry and those the plugin said
// will never work (they wait for the next start).
func (d *Daemon) pluginEntries(p *sink.Pool) ([]event.Event, error) {
	entries, _, err := d.fails.Load()
	if err != nil {
		return nil, err
	}
	marker := d.runningSince(p)
	var out []event.Event
	for _, e := range entries {
		if e.Sink == p.ID() && !e.Time.Equal(marker) && !e.Final {
			out = append(out, e.Event)
		}
	}
	return out, nil
}

// runningSince is when p's running entry was written, or the zero time.
func (d *Daemon) runningSince(p *sink.Pool) time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.running[p]
}

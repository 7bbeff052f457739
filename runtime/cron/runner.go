package cron

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/luasync/luasync/runtime/clock"
)

// Job is one schedule of one sink.
type Job struct {
	Name     string // what it runs, for logs: the sink, "www -> /srv/mirror"
	Key      string // the config key it comes from, for logs: "crontab" or "fullsync"
	Schedule Schedule
	// Start begins a run, and returns false, starting nothing, while the
	// previous run (or another full sync of the sink) is still going: the
	// runner then skips this one.
	Start func() bool
}

// Options configure a Runner.
type Options struct {
	Clock  clock.Clock  // nil: clock.System
	Logger *slog.Logger // nil: slog.Default()
}

// maxSleep bounds one wait, so that runs follow a wall clock that is
// stepped (by NTP, or by hand) within this long.
const maxSleep = time.Minute

// Runner starts each job when its schedule says.
type Runner struct {
	jobs  []Job
	clock clock.Clock
	log   *slog.Logger

	mu   sync.Mutex
	next []time.Time // per job; zero: never again
}

// New plans the first run of every job from the clock's present; Run plans
// them again from when it starts.
func New(jobs []Job, opts Options) *Runner {
	if opts.Clock == nil {
		opts.Clock = clock.System{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	r := &Runner{jobs: jobs, clock: opts.Clock, log: opts.Logger, next: make([]time.Time, len(jobs))}
	r.plan(r.clock.Now())
	return r
}

// plan sets every job's next run to the first one after now.
func (r *Runner) plan(now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, j := range r.jobs {
		r.next[i] = j.Schedule.Next(now)
	}
}

// Next returns when each job (in the order given to New) runs next; the
// zero time for one that never will.
func (r *Runner) Next() []time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Time(nil), r.next...)
}

// Run starts jobs as they fall due until ctx is done; it returns nil then.
func (r *Runner) Run(ctx context.Context) error {
	r.plan(r.clock.Now())
	for {
		now := r.clock.Now()
		wake, ok := r.fire(now)
		if !ok {
			<-ctx.Done()
			return nil
		}
		c, stop := r.clock.NewTimer(min(wake.Sub(now), maxSleep))
		select {
		case <-ctx.Done():
			stop()
			return nil
		case <-c:
		}
	}
}

// fire starts or skips every job due at now, plans its next run from now,
// and returns the soonest next run of all.
func (r *Runner) fire(now time.Time) (soonest time.Time, ok bool) {
	for i, j := range r.jobs {
		r.mu.Lock()
		at := r.next[i]
		due := !at.IsZero() && !at.After(now)
		if due {
			r.next[i] = j.Schedule.Next(now)
		}
		next := r.next[i]
		r.mu.Unlock()
		if due {
			r.start(j, next)
		}
		if !next.IsZero() && (!ok || next.Before(soonest)) {
			soonest, ok = next, true
		}
	}
	return soonest, ok
}

func (r *Runner) start(j Job, next time.Time) {
	log := r.log.With("sink", j.Name, j.Key, j.Schedule.String(), "next", next)
	if j.Start() {
		log.Info("scheduled full sync due; queued")
		return
	}
	log.Warn("scheduled full sync skipped: a full sync of this target is still pending or running")
}

package sink

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/luasync/luasync/runtime/clock"
	"github.com/luasync/luasync/runtime/event"
	"github.com/luasync/luasync/runtime/faillog"
)

// Options configures a Pool.
type Options struct {
	Name string // for logs, e.g. "www -> rsync://backup:8730/www"
	// ID is the sink's identity in the fail log, stable across restarts
	// and port changes ("www/rsync:backup::www"); "" uses Name.
	ID      string
	Workers int // batches applied at once; < 1 means 1
	// Window is the shortest time between the starts of two batches
	// while the last one was not full: what changes meanwhile waits and
	// goes in one batch. After a quiet Window, a change goes at once.
	// 0: a free worker takes whatever is ready.
	Window  time.Duration
	Retry   Retry
	Grace   time.Duration // how long shutdown keeps applying before persisting the rest
	Clock   clock.Clock   // nil = clock.System
	FailLog FailLog       // required: where unapplied events go
	Logger  *slog.Logger  // nil = slog.Default()
	// Settle, when set, returns once every change made in the source
	// before the call has been added to the pool (the watcher has read it
	// and the sync has routed it). The pool releases a batch's paths in
	// the queue only after a Settle that began when the sink had finished
	// the batch: a rename or delete that raced the batch, so that the sink
	// read something else at a path than the event meant (a directory
	// renamed away, or replaced by a namesake), is then still merged
	// against the batch as in flight, and the queue degrades a rename over
	// it to a delete and a full sync of the new name instead of trusting
	// what the target got. nil releases a batch as soon as it is applied
	// (one-shot syncs, which no watcher feeds).
	Settle func(ctx context.Context) error
	// Gate, when set, holds batches back while it is shut: events wait in
	// the queue, merging as usual, and no attempt is spent on them; they
	// go once it opens. Shutdown waits for it no longer than Grace.
	Gate Gate
	// Source is the sync's source directory. With Settle, the pool checks
	// after each batch which applied paths the source no longer has, and
	// once settled, that the queue holds a change that says why (see
	// Queue.Explained); one that nothing explains gets the nearest
	// directory above it that exists rescanned, and a warning. "" skips
	// the check.
	Source string
	// Replays: a full sync does not cover this sink's failed events (Lua
	// actions run per event), so none is queued to recover them and none
	// compacts the fail log; the daemon replays the sink's entries at
	// startup instead.
	Replays bool
	// Applied, when set, is told the events of each batch that the sink
	// applied (OK), after the batch: a sink that must come after this one
	// (a CDN purge after the origin has the file) is fed from here.
	Applied func(evs []event.Event)
	// FullSyncDone, when set, is told how each full sync of the whole tree
	// ended (OK, Retry or Fail, and why): the daemon ends a run whose
	// startup sync failed when insist is off.
	FullSyncDone func(outcome event.Outcome, err error)
}

// Stats are a pool's counters since it started.
type Stats struct {
	Added, Applied, Retried, Failed, Batches uint64
	Pending, InFlight                        int
	// Stopped says why the sink stopped for good (event.Stop), or "".
	Stopped string
}

// Pool feeds one Sink from one Queue with a fixed number of workers.
type Pool struct {
	opts Options
	sink Sink
	prep Preparer // sink, if it is one
	log  *slog.Logger

	mu       sync.Mutex // guards q, stopping and recoverAt
	q        Queue
	stopping bool
	// recoverAt, when set, is when to queue a full sync because events
	// that failed transiently went to the fail log: the target is likely
	// back by then, and the full sync brings it level (and compacts the
	// fail log) without waiting for a restart.
	recoverAt time.Time
	// lastTake is when the newest batch was taken, and backlog whether
	// ready work was left behind by it (the batch was full, or
	// MaxPending forces everything out): Window paces only without one.
	lastTake time.Time
	backlog  bool
	// lost holds what shutdown could not persist, one error per failed
	// fail log write; Run returns them.
	lost []error
	// halted says why the sink stopped for good (event.Stop), "" while it
	// runs; see halt.go. dropping holds events taken from the queue for
	// the fail log, dropAt when the queue is next emptied into it.
	halted   string
	dropping []event.Event
	dropAt   time.Time
	// fullDone are told when the full sync FullSync queued ends.
	fullDone []FullSyncDone

	wake chan struct{} // an event was added; capacity 1
	done chan struct{} // a worker finished a batch
	// landing: applied batches whose paths wait for Settle (see
	// Options.Settle); guarded by mu. land is signalled when it grows.
	landing []landing
	land    chan struct{}

	added, applied, retried, failed, batches atomic.Uint64
}

type job struct {
	batch   event.Batch
	started time.Time
}

// NewPool returns a pool that applies q's batches to s.
func NewPool(s Sink, q Queue, opts Options) *Pool {
	if opts.Workers < 1 {
		opts.Workers = 1
	}
	if opts.Retry.Attempts < 1 {
		opts.Retry.Attempts = 1
	}
	if opts.Clock == nil {
		opts.Clock = clock.System{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.ID == "" {
		opts.ID = opts.Name
	}
	p := &Pool{opts: opts, sink: s, q: q, log: opts.Logger.With("sink", opts.Name),
		wake: make(chan struct{}, 1), done: make(chan struct{}, opts.Workers), land: make(chan struct{}, 1)}
	p.prep, _ = s.(Preparer)
	return p
}

// Name is the pool's name, for logs.
func (p *Pool) Name() string { return p.opts.Name }

// ID is the pool's identity in the fail log.
func (p *Pool) ID() string { return p.opts.ID }

// Add queues an event. It never blocks on the sink.
func (p *Pool) Add(ev event.Event) { p.add(ev, false) }

// AddReady queues ev ready at once, whatever the settle time, and with it
// whatever is already pending: for the startup full sync, which is no
// change that may still be settling (lsyncd starts it at once too, however
// long its delay).
func (p *Pool) AddReady(ev event.Event) { p.add(ev, true) }

func (p *Pool) add(ev event.Event, ready bool) {
	p.mu.Lock()
	p.q.Push(ev, p.opts.Clock.Now())
	if ready {
		p.q.Flush()
	}
	p.mu.Unlock()
	p.added.Add(1)
	p.poke()
}

// poke wakes the dispatcher: there is new work.
func (p *Pool) poke() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// FullSyncDone is told how a full sync queued by FullSync ended: r is its
// result (OK, or given up to the fail log), started when its batch began,
// and took how long the batch ran.
type FullSyncDone func(r event.Result, started time.Time, took time.Duration)

// FullSync queues a full sync of the whole tree, narrowed by scope unless
// it is nil (see event.Scope), as scheduled full syncs do. It queues
// nothing and returns false while a full sync of the whole tree is pending
// or running already (the startup sync, say), or the pool is stopping or
// its sink has stopped (halt.go): one full sync never stacks on another. It takes its place among live changes
// as any Rescan does. done, if not nil, is called from the worker once the
// next full sync of the whole tree ends, which may be a plain one that
// absorbed this one; it is not called if luasync stops first.
func (p *Pool) FullSync(scope *event.Scope, done FullSyncDone) bool {
	p.mu.Lock()
	if p.stopping || p.halted != "" || p.q.Rescanning("") {
		p.mu.Unlock()
		return false
	}
	p.q.Push(event.Event{Op: event.Rescan, Path: "", IsDir: true, Scope: scope}, p.opts.Clock.Now())
	if done != nil {
		p.fullDone = append(p.fullDone, done)
	}
	p.mu.Unlock()
	p.added.Add(1)
	p.poke()
	return true
}

// Stats returns the pool's counters.
func (p *Pool) Stats() Stats {
	p.mu.Lock()
	pending, inflight, halted := p.q.Len(), p.q.InFlight(), p.halted
	p.mu.Unlock()
	return Stats{Added: p.added.Load(), Applied: p.applied.Load(), Retried: p.retried.Load(),
		Failed: p.failed.Load(), Batches: p.batches.Load(), Pending: pending, InFlight: inflight, Stopped: halted}
}

// Run applies batches until ctx is cancelled, then drains for up to the
// grace period and persists the rest to the fail log. It returns nil once
// every event was applied or written to the fail log; otherwise its error
// says how many events of this sink were not persisted, with a sample.
func (p *Pool) Run(ctx context.Context) error {
	applyCtx, cancelApply := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelApply()
	jobs := make(chan job, p.opts.Workers)
	var wg sync.WaitGroup
	for range p.opts.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				p.finish(j, p.sink.Apply(applyCtx, j.batch))
				p.done <- struct{}{}
			}
		}()
	}
	landed := make(chan struct{})
	stopLanding := make(chan struct{})
	go func() { defer close(landed); p.lander(applyCtx, stopLanding) }()
	busy := p.dispatch(ctx, jobs)
	cancelApply()
	for ; busy > 0; busy-- {
		<-p.done
	}
	close(jobs)
	wg.Wait()
	close(stopLanding)
	<-landed
	p.persistPending()
	return errors.Join(p.lost...)
}

// minRecheck is the shortest wait before asking an early queue again.
const minRecheck = 2 * time.Millisecond

// prepareAhead is how soon the next batch must be due for the pool to let
// a Preparer get ready for it.
const prepareAhead = 250 * time.Millisecond

// dispatch is the pool's loop. It returns, with the number of workers still
// busy, when shutdown has either drained everything or run out of grace.
func (p *Pool) dispatch(ctx context.Context, jobs chan<- job) (busy int) {
	var timerC, graceC <-chan time.Time
	stopTimer := func() bool { return false }
	ctxDone := ctx.Done()
	for {
		before := busy
		open, gateC := p.gate()
		pending, next, hasNext := p.takeReady(jobs, &busy, open)
		p.writeDropped()
		if p.prep != nil && hasNext && ctxDone != nil && next.Sub(p.opts.Clock.Now()) <= prepareAhead && !p.isHalted() {
			p.prep.Prepare()
		}
		if ctxDone == nil && pending == 0 && busy == 0 {
			return 0
		}
		stopTimer()
		timerC = nil
		if hasNext {
			wait := next.Sub(p.opts.Clock.Now())
			if busy == before && wait <= 0 {
				// "Ready now" yet nothing was taken: the queue's NextReady
				// is early (it files an entry by its first settle time and
				// does not re-file it on every merge). Never spin on it.
				wait = minRecheck
			}
			timerC, stopTimer = p.opts.Clock.NewTimer(max(wait, 0))
		}
		select {
		case <-ctxDone:
			ctxDone = nil
			p.beginShutdown()
			graceC, _ = p.opts.Clock.NewTimer(p.opts.Grace)
		case <-graceC:
			stopTimer()
			p.log.Warn("shutdown grace period over; writing what is left to the fail log",
				"grace", p.opts.Grace, "in_flight_batches", busy)
			return busy
		case <-p.done:
			busy--
		case <-p.wake:
		case <-timerC:
		case <-gateC:
		}
	}
}

// gate reports whether batches may start, and what signals a change.
func (p *Pool) gate() (bool, <-chan struct{}) {
	if p.opts.Gate == nil {
		return true, nil
	}
	return p.opts.Gate.Open()
}

// takeReady hands ready batches to free workers, unless the gate is shut,
// and reports what is left and when to look again (never while shut: the
// gate's channel says when it opens).
func (p *Pool) takeReady(jobs chan<- job, busy *int, open bool) (pending int, next time.Time, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.opts.Clock.Now()
	if p.halted != "" {
		return p.dropReady(now)
	}
	if p.stopping {
		p.q.Flush()
	} else if !p.recoverAt.IsZero() && !now.Before(p.recoverAt) {
		p.recoverAt = time.Time{}
		p.log.Info("queueing a full sync to recover what went to the fail log")
		p.q.Push(event.Event{Op: event.Rescan, Path: "", IsDir: true}, now)
	}
	if !open {
		return p.q.Len(), time.Time{}, false
	}
	paceUntil := time.Time{}
	for *busy < p.opts.Workers {
		if until := p.lastTake.Add(p.opts.Window); p.opts.Window > 0 && !p.backlog && !p.stopping && now.Before(until) {
			paceUntil = until
			break
		}
		b := p.q.Take(now)
		if len(b) == 0 {
			break
		}
		p.lastTake = now
		left, ok := p.q.NextReady(now)
		p.backlog = ok && !left.After(now)
		*busy++
		p.batches.Add(1)
		jobs <- job{batch: b, started: now} // never blocks: capacity is Workers
	}
	next, ok = p.q.NextReady(now)
	if ok && next.Before(paceUntil) {
		next = paceUntil
	}
	if !p.stopping && !p.recoverAt.IsZero() && (!ok || p.recoverAt.Before(next)) {
		next, ok = p.recoverAt, true
	}
	return p.q.Len(), next, ok
}

func (p *Pool) beginShutdown() {
	p.mu.Lock()
	p.stopping = true
	n := p.q.Len() + p.q.InFlight()
	p.mu.Unlock()
	p.log.Info("draining before exit", "events", n, "grace", p.opts.Grace)
}

// persistPending writes whatever the queue still holds to the fail log.
func (p *Pool) persistPending() {
	p.mu.Lock()
	left := p.q.Drain()
	p.mu.Unlock()
	p.writeEvents(left, "not applied before shutdown")
}

// writeEvents appends events to the fail log, all for one reason.
func (p *Pool) writeEvents(evs []event.Event, reason string) {
	if len(evs) == 0 {
		return
	}
	now := p.opts.Clock.Now()
	entries := make([]faillog.Entry, len(evs))
	for i, ev := range evs {
		entries[i] = faillog.Entry{Time: now, Sink: p.opts.ID, Event: ev, Reason: reason}
	}
	p.writeFailed(entries)
}

package queue

import (
	"cmp"
	"slices"
	"time"

	"github.com/luasync/luasync/runtime/event"
)

// Options tune when pending entries become ready and how big a batch gets.
// Negative values count as zero.
type Options struct {
	// Delay is the settle time: an entry is ready when now - lastChange >= Delay.
	Delay time.Duration
	// MaxWait caps Delay: an entry is also ready when now - firstChange >=
	// MaxWait, so a file written forever still ships. 0: no cap. It is
	// also how long a file created open for writing (event.Event.Open)
	// waits for its close-write; with 0 it does not wait.
	MaxWait time.Duration
	// BatchFiles is the most events in one batch. 0: unlimited.
	BatchFiles int
	// BatchBytes is the most Event.Size summed over one batch; a single
	// bigger event still goes, alone. 0: unlimited.
	BatchBytes int64
	// LargeFile is lsyncd's batchSizeLimit: a file Create or Modify whose
	// Size is over it goes in a batch of its own, so it is sent beside the
	// other changes instead of holding up their batch (with more than one
	// worker). Deletes, moves and directories always batch. 0: off.
	LargeFile int64
	// MaxPending is lsyncd's maxDelays: while Len() >= MaxPending at the
	// start of a Take, every entry is ready regardless of Delay (a requeued
	// entry still waits for its notBefore). 0: off.
	MaxPending int
}

// Queue is one sink's merging queue. It is not safe for concurrent use: its
// owner serialises calls and owns the timers (see NextReady).
type Queue struct {
	opts  Options
	root  *node
	nodes map[string]*node    // the path index, by full path
	moves map[*entry]struct{} // pending Moves
	count int                 // pending entries
	seq   uint64              // last seq handed out

	ready   entryHeap // due (or forced) candidates for Take, by seq
	plain   entryHeap // settling entries, by settle time
	backoff entryHeap // requeued entries, by notBefore

	flying     map[string]*flight   // in-flight events, by Path
	flyingFrom map[string][]*flight // in-flight Moves, by From

	// landed remembers the paths of the last recentCreates Creates that
	// were taken and done. A Create that arrives again for one of them (a
	// new directory's scan and the kernel both report a file, or an
	// overflow rescan repeats one) may find the path on the target, so it
	// must not vanish when merged with a Delete.
	landed     map[string]uint64
	landedRing []landedCreate
	landedSeq  uint64
}

// recentCreates bounds the landed set; a duplicate Create arrives within
// moments of the first, long before this many other Creates have landed.
var recentCreates = 8192

type landedCreate struct {
	path string
	seq  uint64
}

// rememberCreate records a Create that a sink may have applied.
func (q *Queue) rememberCreate(p string) {
	q.landedSeq++
	q.landed[p] = q.landedSeq
	if len(q.landedRing) < recentCreates {
		q.landedRing = append(q.landedRing, landedCreate{p, q.landedSeq})
		return
	}
	i := int(q.landedSeq % uint64(recentCreates))
	if old := q.landedRing[i]; q.landed[old.path] == old.seq {
		delete(q.landed, old.path)
	}
	q.landedRing[i] = landedCreate{p, q.landedSeq}
}

// New returns an empty queue.
func New(opts Options) *Queue {
	opts.Delay = max(opts.Delay, 0)
	opts.MaxWait = max(opts.MaxWait, 0)
	opts.BatchFiles = max(opts.BatchFiles, 0)
	opts.BatchBytes = max(opts.BatchBytes, 0)
	opts.MaxPending = max(opts.MaxPending, 0)
	root := &node{path: ""}
	return &Queue{
		opts:       opts,
		root:       root,
		nodes:      map[string]*node{"": root},
		landed:     make(map[string]uint64),
		moves:      make(map[*entry]struct{}),
		ready:      entryHeap{less: bySeq},
		plain:      entryHeap{less: byKey},
		backoff:    entryHeap{less: byKey},
		flying:     make(map[string]*flight),
		flyingFrom: make(map[string][]*flight),
	}
}

// Len returns the number of pending (not in-flight) entries.
func (q *Queue) Len() int { return q.count }

// InFlight returns the number of events taken and not yet released by Done.
func (q *Queue) InFlight() int { return len(q.flying) }

// Attempts returns how often the event at path has been requeued: the
// in-flight event's count while path is in flight (so a caller can ask
// between Take and Requeue), else the pending entry's, else 0.
func (q *Queue) Attempts(path string) int {
	if f := q.flying[path]; f != nil {
		return f.attempts
	}
	if e := q.at(path); e != nil {
		return e.attempts
	}
	return 0
}

// Drain removes every pending entry and returns its event, in seq order.
// In-flight events are left alone; Done still releases them.
func (q *Queue) Drain() []event.Event {
	es := q.pending()
	out := make([]event.Event, 0, len(es))
	for _, e := range es {
		out = append(out, e.event())
		q.remove(e)
	}
	return out
}

// Flush makes every pending entry ready now, ignoring Delay, MaxWait and
// notBefore: the shutdown drain. A change merged into a flushed entry keeps
// it ready; entries created later follow the clock again.
func (q *Queue) Flush() {
	for _, e := range q.pending() {
		e.forced = true
		if e.place != inReady {
			q.detach(e)
			q.ready.push(e)
			e.place = inReady
		}
	}
}

// pending returns every pending entry in seq order.
func (q *Queue) pending() []*entry {
	es := make([]*entry, 0, q.count)
	for _, n := range q.nodes {
		if n.entry != nil {
			es = append(es, n.entry)
		}
	}
	slices.SortFunc(es, func(a, b *entry) int { return cmp.Compare(a.seq, b.seq) })
	return es
}

func (q *Queue) nextSeq() uint64 {
	q.seq++
	return q.seq
}

// insert makes e pending: a fresh seq unless it has one, indexed, scheduled.
func (q *Queue) insert(e *entry, now time.Time) {
	if e.seq == 0 {
		e.seq = q.nextSeq()
	}
	q.link(e)
	q.schedule(e, now)
}

// remove makes e no longer pending, waking whatever waited on it.
func (q *Queue) remove(e *entry) {
	q.detach(e)
	q.unlink(e)
	q.wake(&e.waiters)
}

// amend replaces e's change after a merge; e's waiters are woken, as the
// change may no longer block them. now zero keeps e's times. A caller that
// changes e's seq must detach e first.
func (q *Queue) amend(e *entry, c change, now time.Time) {
	if e.fromNode != nil && (c.op != event.Move || c.from != e.from) {
		q.unlinkFrom(e)
	}
	e.change = c
	if c.op == event.Move && e.fromNode == nil {
		q.linkFrom(e)
	}
	if c.op == event.Delete || c.op == event.Rescan {
		e.size = 0
	}
	if !now.IsZero() {
		e.last = now
	}
	q.wake(&e.waiters)
	q.reschedule(e, now)
}

// reschedule puts e where it waits after a change that kept its seq. An
// entry already settling or ready stays put: a merge only moves its settle
// time later, and Take checks again when it comes up, so a path written
// over and over costs no heap work per write.
func (q *Queue) reschedule(e *entry, now time.Time) {
	if (e.place == inPlain || e.place == inReady) && !e.notBefore.After(now) {
		return
	}
	q.detach(e)
	q.schedule(e, now)
}

// settle returns when e is ready by the clock, notBefore aside.
func (q *Queue) settle(e *entry) time.Time {
	if e.open && q.opts.MaxWait > 0 {
		// Still being written: its close-write will say when it is whole.
		return e.first.Add(max(q.opts.MaxWait, q.opts.Delay))
	}
	t := e.last.Add(q.opts.Delay)
	if q.opts.MaxWait > 0 {
		if c := e.first.Add(q.opts.MaxWait); c.Before(t) {
			t = c
		}
	}
	return t
}

// schedule puts a detached entry where it waits. now may be zero when the
// caller does not know the time: a notBefore then always means backoff.
func (q *Queue) schedule(e *entry, now time.Time) {
	switch {
	case e.forced:
		e.place = inReady
		q.ready.push(e)
	case e.notBefore.After(now):
		e.place, e.key = inBackoff, e.notBefore
		q.backoff.push(e)
	default:
		e.place, e.key = inPlain, q.settle(e)
		q.plain.push(e)
	}
}

// detach takes e out of whatever heap or waiter list holds it.
func (q *Queue) detach(e *entry) {
	switch e.place {
	case inReady:
		q.ready.remove(e.hidx)
	case inPlain:
		q.plain.remove(e.hidx)
	case inBackoff:
		q.backoff.remove(e.hidx)
	case parked:
		e.parkTok++
	}
	e.place = nowhere
}

// park records that e waits for blocker (a pending entry) or, if blocker is
// nil, for in-flight work at or below n to end.
func (q *Queue) park(e, blocker *entry, n *node) {
	e.place = parked
	w := waiter{e: e, tok: e.parkTok}
	if blocker != nil {
		blocker.waiters = append(blocker.waiters, w)
		return
	}
	n.waiters = append(n.waiters, w)
}

// wake moves the still-parked entries of a waiter list back to the ready
// heap; Take checks them again.
func (q *Queue) wake(ws *[]waiter) {
	for _, w := range *ws {
		if w.e.place == parked && w.e.parkTok == w.tok {
			w.e.parkTok++
			w.e.place = inReady
			q.ready.push(w.e)
		}
	}
	*ws = nil
}

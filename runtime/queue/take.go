package queue

import (
	"time"

	"github.com/luasync/luasync/runtime/event"
)

// flight is one taken event, kept until Done so that later entries touching
// its paths wait, and so that Requeue and Attempts know where it came from.
type flight struct {
	ev          event.Event
	seq         uint64
	attempts    int
	first, last time.Time
	scoped      bool // may reach below its paths (change.flightScoped)
	replaces    bool // change.replaces, for Requeue
	// coveredBy is the path of a Delete, Rescan or overwriting rename
	// pushed while this event was in flight with its Path strictly below:
	// that newer change supersedes it, so a Requeue drops it.
	coveredBy string
	covered   bool
}

// touches returns the paths an event works on: Path, and From for a Move.
func touches(ev event.Event) []string {
	if ev.Op == event.Move {
		return []string{ev.Path, ev.From}
	}
	return []string{ev.Path}
}

// Take returns every ready, unblocked entry in seq order, up to the batch
// limits, and marks them in flight; nil if there is none. An entry is ready
// when now >= notBefore and its settle time has come (Delay after its last
// change, or MaxWait after its first), or Len() >= MaxPending, or it was
// flushed. It is blocked while in-flight work touches its paths (the same
// path, an ancestor a subtree-wide event works on, or anything below it if
// it works on its subtree), or while an older pending entry it conflicts
// with the same way has not been taken (in this batch or before).
//
// Blocked entries are parked on what blocks them and looked at again only
// when that changes, so a Take costs O(log n + depth) per entry it returns,
// parks or finds not due, not O(pending).
func (q *Queue) Take(now time.Time) event.Batch {
	pressure := q.pressure()
	q.promote(now, pressure)
	var (
		batch    event.Batch
		taken    []*entry
		bytes    int64
		deferred []*entry // large files, left for a batch of their own
	)
	if n := min(q.ready.len(), 1024); n > 0 {
		if q.opts.BatchFiles > 0 {
			n = min(n, q.opts.BatchFiles)
		}
		batch = make(event.Batch, 0, n)
	}
	for q.ready.len() > 0 {
		e := q.ready.min()
		if !q.due(e, now, pressure) {
			q.ready.pop()
			q.schedule(e, now)
			continue
		}
		if blocker, n := q.blocker(e); blocker != nil || n != nil {
			q.ready.pop()
			q.park(e, blocker, n)
			continue
		}
		if q.full(len(taken), bytes, e.size) {
			break
		}
		q.ready.pop()
		large := q.large(e)
		if large && len(taken) > 0 {
			deferred = append(deferred, e) // still indexed: what conflicts with it waits
			continue
		}
		e.place = nowhere
		taken = append(taken, e)
		bytes += e.size
		n, f := e.node, e.fromNode
		q.unindex(e) // its nodes are about to hold its flight: no pruning
		e.node, e.fromNode = n, f
		q.wake(&e.waiters) // they may join this batch
		if large {
			break
		}
	}
	for _, e := range deferred {
		q.ready.push(e)
	}
	for _, e := range taken {
		ev := e.event()
		// Checked as the batch's earlier events fly: a move away from
		// the same name in this very batch counts too.
		ev.Over = ev.Op == event.Move && ev.IsDir && (e.over || q.oldAt(e.path))
		batch = append(batch, ev)
		q.fly(e)
		if e.op == event.Create && e.isDir || e.scope != nil {
			q.mayBeCopied(e.node)
		}
		q.prune(e.node)
		if e.fromNode != nil {
			q.prune(e.fromNode)
		}
		e.node, e.fromNode = nil, nil
	}
	if len(batch) == 0 {
		return nil
	}
	return batch
}

// Done releases the paths of a batch returned by Take, whatever its outcome.
// Events not in flight are ignored, so a second Done is harmless (unless the
// same event was taken again in between: pass each batch to Done once).
func (q *Queue) Done(b event.Batch) {
	for _, ev := range b {
		if f := q.flying[ev.Path]; f != nil && f.ev.Op == ev.Op && f.ev.From == ev.From {
			delete(q.flying, ev.Path)
			q.land(f)
			if ev.Op == event.Create {
				q.rememberCreate(ev.Path)
			}
		}
	}
}

// NextReady returns the earliest time at which Take may return something
// new: now if a Take is due at once, false if nothing is pending or all of
// it is parked behind in-flight work (the caller calls Take after each Done
// anyway). It may be early: blocking by pending entries that are not ready
// yet is ignored, and a path changed again since it was filed settles later
// than the time recorded. Take at the returned time may then return nil;
// the caller asks NextReady again.
func (q *Queue) NextReady(now time.Time) (time.Time, bool) {
	if q.ready.len() > 0 {
		return now, true
	}
	var t time.Time
	ok := false
	if q.plain.len() > 0 {
		if q.pressure() {
			return now, true
		}
		t, ok = q.plain.min().key, true
	}
	if q.backoff.len() > 0 {
		if b := q.backoff.min().key; !ok || b.Before(t) {
			t, ok = b, true
		}
	}
	if !ok {
		return time.Time{}, false
	}
	if t.Before(now) {
		t = now
	}
	return t, true
}

func (q *Queue) pressure() bool {
	return q.opts.MaxPending > 0 && q.count >= q.opts.MaxPending
}

// promote moves entries whose time has come into the ready heap: requeued
// ones past notBefore go back to settling first.
func (q *Queue) promote(now time.Time, pressure bool) {
	for q.backoff.len() > 0 && !q.backoff.min().key.After(now) {
		e := q.backoff.pop()
		e.place, e.key = inPlain, q.settle(e)
		q.plain.push(e)
	}
	for q.plain.len() > 0 && (pressure || !q.plain.min().key.After(now)) {
		e := q.plain.pop()
		if s := q.settle(e); !pressure && !e.forced && s.After(now) {
			e.key = s // changed since it was filed (see reschedule)
			q.plain.push(e)
			continue
		}
		e.place = inReady
		q.ready.push(e)
	}
}

func (q *Queue) due(e *entry, now time.Time, pressure bool) bool {
	if e.forced {
		return true
	}
	return !e.notBefore.After(now) && (pressure || !q.settle(e).After(now))
}

// large reports a file change over LargeFile, for a batch of its own.
func (q *Queue) large(e *entry) bool {
	return q.opts.LargeFile > 0 && e.size > q.opts.LargeFile && !e.isDir &&
		(e.op == event.Create || e.op == event.Modify || e.op == event.Attrib)
}

func (q *Queue) full(files int, bytes, size int64) bool {
	if q.opts.BatchFiles > 0 && files >= q.opts.BatchFiles {
		return true
	}
	return q.opts.BatchBytes > 0 && files > 0 && bytes+size > q.opts.BatchBytes
}

// blocker returns what keeps e from being taken now: an older pending entry
// that conflicts with it, or a node whose in-flight work (there or below)
// must end first. Both nil: e is free.
func (q *Queue) blocker(e *entry) (*entry, *node) {
	if len(q.flying) > 0 {
		if n := flightBlock(e.node, e.flightScoped()); n != nil {
			return nil, n
		}
		if e.fromNode != nil {
			if n := flightBlock(e.fromNode, e.flightScoped()); n != nil {
				return nil, n
			}
		}
	}
	if b := q.orderBlock(e, e.node); b != nil {
		return b, nil
	}
	if e.fromNode != nil {
		return q.orderBlock(e, e.fromNode), nil
	}
	return nil, nil
}

// flightBlock checks one path of an entry against in-flight work.
func flightBlock(n *node, scoped bool) *node {
	if n.flights > 0 || scoped && n.flightBelow > 0 {
		return n
	}
	for a := n.parent; a != nil; a = a.parent {
		if a.flightSub > 0 {
			return a
		}
	}
	return nil
}

// orderBlock checks one path n of e against older pending entries: one at
// the same path, one working on the subtree of an ancestor, and, if e
// clears its subtree, an older move out of it.
func (q *Queue) orderBlock(e *entry, n *node) *entry {
	older := func(x *entry) bool { return x != e && x.seq < e.seq }
	if x := n.entry; x != nil && older(x) {
		return x
	}
	for _, m := range n.froms {
		if older(m) {
			return m
		}
	}
	for a := n.parent; a != nil; a = a.parent {
		if x := a.entry; x != nil && x.subtree() && older(x) {
			return x
		}
		for _, m := range a.froms {
			if m.isDir && older(m) {
				return m
			}
		}
	}
	if e.clears() && n.fromsBelow > 0 {
		return q.olderMoveBelow(n, e)
	}
	return nil
}

// mayBeCopied marks the Creates and Moves still pending below a directory
// whose Create is now in flight: a sink may send the new directory with
// what it holds (the rsync sink does), so the target may hold their paths
// too, and a Delete that follows must not make them vanish (torture seed
// 76934: a file moved into the new directory, then deleted, stayed).
func (q *Queue) mayBeCopied(n *node) {
	if n == nil || n.pendBelow == 0 {
		return
	}
	for _, x := range q.below(n) {
		if x.op == event.Create || x.op == event.Move {
			x.mayExist = true
		}
	}
}

// fly records a taken entry as in flight.
func (q *Queue) fly(e *entry) {
	ev := e.event()
	f := &flight{ev: ev, seq: e.seq, attempts: e.attempts, first: e.first, last: e.last,
		scoped: e.flightScoped(), replaces: e.replaces}
	q.flying[ev.Path] = f
	if ev.Op == event.Move {
		q.flyingFrom[ev.From] = append(q.flyingFrom[ev.From], f)
	}
	for _, p := range touches(ev) {
		n := q.obtain(p)
		n.flights++
		if f.scoped {
			n.flightSub++
		}
		for a := n.parent; a != nil; a = a.parent {
			a.flightBelow++
		}
	}
}

// land releases a flight and wakes what waited for it: entries parked at
// its paths or at their ancestors (waiting for work below them to end).
func (q *Queue) land(f *flight) {
	if f.ev.Op == event.Move {
		fs := q.flyingFrom[f.ev.From]
		for i, g := range fs {
			if g == f {
				fs = append(fs[:i], fs[i+1:]...)
				break
			}
		}
		if len(fs) == 0 {
			delete(q.flyingFrom, f.ev.From)
		} else {
			q.flyingFrom[f.ev.From] = fs
		}
	}
	for _, p := range touches(f.ev) {
		n := q.nodes[p]
		n.flights--
		if f.scoped {
			n.flightSub--
		}
		q.wake(&n.waiters)
		for a := n.parent; a != nil; a = a.parent {
			a.flightBelow--
			q.wake(&a.waiters)
		}
		q.prune(n)
	}
}

// cover marks the in-flight events strictly below p that are older than seq
// (0: all) as superseded by a change of p's whole subtree at seq.
func (q *Queue) cover(p string, seq uint64) {
	n := q.nodes[p]
	if n == nil || n.flightBelow == 0 {
		return
	}
	stack := []*node{n}
	for len(stack) > 0 {
		k := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for c := k.kid; c != nil; c = c.next {
			if f := q.flying[c.path]; f != nil && !f.covered && (seq == 0 || f.seq < seq) {
				f.covered, f.coveredBy = true, p
			}
			if c.flightBelow > 0 {
				stack = append(stack, c)
			}
		}
	}
}

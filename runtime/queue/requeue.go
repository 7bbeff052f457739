package queue

import (
	"time"

	"github.com/luasync/luasync/runtime/event"
)

// Requeue puts back an event a sink reported as Retry; it is not ready
// before notBefore. Call it after Take and before the Done that releases
// ev's batch: the queue then still knows ev's place in the order, what
// happened to its paths meanwhile, and its attempt count.
//
// The requeued event R is older than anything pushed since it was taken,
// and the sink may have applied part of it (the package documentation has
// the full rules):
//   - if a later directory rename of its own batch carried an ancestor of
//     R's paths away, R's paths and where they went are synced by Rescans;
//   - if a newer Delete, Rescan or directory rename of an ancestor arrived
//     meanwhile, or R's path was renamed away, R is moot and dropped (a
//     Move leaves the delete of its From);
//   - a Rescan is pushed again as a new Rescan; so is each path of a Delete
//     or Move that shares paths with later events of its own batch, since
//     replaying it could undo what the sink applied after it failed;
//   - otherwise R merges with the newer entry N at its path by the merge
//     table, R as the older change (requeued Delete + pending Create =
//     Modify; requeued Modify + pending Delete = Delete; requeued Move a->b
//     with pending Modify b = Move a->b), and a requeued Create counts as
//     one the target may hold. The result keeps R's old seq when it is R's
//     own subtree change or move, so what arrived below it or at its From
//     still follows it; else N's. Alone, R keeps its old seq, except that a
//     file-level Create, Modify or Attrib goes to the end.
//
// Attempts grows by one; merged with a pending entry, the larger count
// stays. Requeue of an event that is not in flight (a caller that already
// called Done) is merged as a new event (Push) with one more attempt.
func (q *Queue) Requeue(ev event.Event, notBefore time.Time) {
	f := q.flying[ev.Path]
	if f == nil || f.ev.Op != ev.Op || f.ev.From != ev.From {
		q.requeueLate(ev, notBefore)
		return
	}
	r := &entry{
		change:    change{op: ev.Op, from: ev.From, isDir: ev.IsDir, replaces: f.replaces, scope: f.ev.Scope},
		path:      ev.Path,
		size:      ev.Size,
		first:     f.first,
		last:      f.last,
		notBefore: notBefore,
		attempts:  f.attempts + 1,
		seq:       f.seq,
	}
	if r.op == event.Create || r.op == event.Move {
		r.mayExist = true
	}
	if carried := q.carried(r); len(carried) > 0 {
		// A later rename of its own batch took an ancestor of r's paths
		// along, with whatever r failed to do there: sync r's paths, old
		// and new, by state.
		for _, p := range carried {
			q.resync(r, p)
		}
		return
	}
	shared := (r.op == event.Delete || r.op == event.Move) && q.sharesFlight(f)
	if f.covered || q.renamedSince(r) {
		if r.op == event.Move && (!f.covered || !event.Within(r.from, f.coveredBy)) {
			if shared {
				q.resync(r, r.from)
			} else {
				q.olderDeletes([]lostFrom{r.lost()}, time.Time{})
			}
		}
		return
	}
	if r.op == event.Rescan || shared {
		q.resync(r, r.path)
		if r.op == event.Move {
			q.resync(r, r.from)
		}
		return
	}
	if !r.subtree() && r.op != event.Move {
		// A file-level sync depends on nothing that came after it; it
		// goes behind it, so it cannot overtake a directory created since.
		r.seq = q.nextSeq()
	}
	n := q.at(r.path)
	if n == nil {
		q.insert(r, time.Time{})
		return
	}
	q.mergeRequeued(r, n)
}

// mergeRequeued merges requeued r into the newer pending entry n at its path.
func (q *Queue) mergeRequeued(r, n *entry) {
	res, keep, lost := merge(r.change, n.change)
	if !keep {
		q.remove(n)
	} else {
		q.detach(n)
		if res.op == r.op && res.from == r.from && (r.subtree() || r.op == event.Move) {
			// r's own effect survives and what arrived since below
			// (or at the From of) it must still follow it.
			n.seq = r.seq
		}
		n.attempts = max(n.attempts, r.attempts)
		if r.notBefore.After(n.notBefore) {
			n.notBefore = r.notBefore
		}
		if r.first.Before(n.first) {
			n.first = r.first
		}
		if n.size == 0 && res.op != event.Delete && res.op != event.Rescan {
			n.size = r.size
		}
		q.amend(n, res, time.Time{})
	}
	if lost != "" {
		q.olderDeletes([]lostFrom{r.lost()}, time.Time{})
	}
}

// renamedSince reports whether r's Path was renamed away after r was taken:
// that rename moves whatever the target holds there and syncs its new name
// by state, so r is moot (and merging r with what came after the rename
// would apply the newer state before the rename moved it away).
func (q *Queue) renamedSince(r *entry) bool {
	if n := q.nodes[r.path]; n != nil {
		for _, m := range n.froms {
			if m.seq > r.seq {
				return true
			}
		}
	}
	return false
}

// carried returns r's paths and where later directory renames of r's own
// batch may have taken them (a rename of a strict ancestor carries the
// target's stale copy along), or nil if no such rename is in flight.
func (q *Queue) carried(r *entry) []string {
	type at struct {
		path  string
		after uint64 // only a rename later than this can carry it on
	}
	todo := []at{{r.path, r.seq}}
	if r.op == event.Move {
		todo = append(todo, at{r.from, r.seq})
	}
	for i := 0; i < len(todo); i++ {
		for n := q.above(todo[i].path); n != nil; n = n.parent {
			if n.flightSub == 0 {
				continue
			}
			for _, m := range q.flyingFrom[n.path] {
				if m.ev.IsDir && m.seq > todo[i].after {
					todo = append(todo, at{event.Rebase(todo[i].path, m.ev.From, m.ev.Path), m.seq})
				}
			}
		}
	}
	if r.op == event.Move && len(todo) == 2 || len(todo) == 1 {
		return nil
	}
	paths := make([]string, len(todo))
	for i, a := range todo {
		paths[i] = a.path
	}
	return paths
}

// sharesFlight reports whether another in-flight event conflicts with f.
// Only events of f's own batch can (Take keeps batches apart), and the sink
// may already have applied those that came after f in it.
func (q *Queue) sharesFlight(f *flight) bool {
	for _, p := range touches(f.ev) {
		n := q.nodes[p]
		if n.flights > 1 || f.scoped && n.flightBelow > 0 {
			return true
		}
		for a := n.parent; a != nil; a = a.parent {
			if a.flightSub > 0 {
				return true
			}
		}
	}
	return false
}

// resync requeues (part of) r as a sync of path p by state, a Rescan with
// a new seq. It serves a Rescan, which needs no old place in the order (a
// new one covers what arrived since), and a Delete or Move that later
// events of its own batch may have overtaken: replaying it could undo their
// newer state (a delete removing a path created after it, a rename moving
// the new thing away).
func (q *Queue) resync(r *entry, p string) {
	p, ok := q.landing(p, r.seq)
	if !ok {
		return // a newer delete or rescan above p deals with it
	}
	if r.scope != nil && p == "" {
		q.pushNarrowed(r.scope, time.Time{})
	} else {
		q.pushRescan(p, r.isDir, time.Time{})
	}
	e := q.at(p)
	q.detach(e)
	e.attempts = max(e.attempts, r.attempts)
	if r.notBefore.After(e.notBefore) {
		e.notBefore = r.notBefore
	}
	q.schedule(e, time.Time{})
}

// requeueLate handles a Requeue without its in-flight record.
func (q *Queue) requeueLate(ev event.Event, notBefore time.Time) {
	attempts := q.Attempts(ev.Path) + 1
	q.Push(ev, notBefore)
	e := q.at(ev.Path)
	if e == nil {
		return
	}
	q.detach(e)
	e.attempts = max(e.attempts, attempts)
	if notBefore.After(e.notBefore) {
		e.notBefore = notBefore
	}
	q.schedule(e, time.Time{})
}

package queue

import (
	"time"

	"github.com/luasync/luasync/runtime/event"
)

// Push merges a new event into the queue (see the package documentation for
// the merge table). An Op this package does not know is treated as a Rescan
// of its Path: a full sync is always a safe answer.
func (q *Queue) Push(ev event.Event, now time.Time) {
	switch ev.Op {
	case event.Create, event.Modify, event.Attrib:
		q.pushSync(ev, now)
	case event.Delete:
		q.pushDelete(ev.Path, ev.IsDir, now)
	case event.Move:
		q.pushMove(ev, now)
	default:
		if ev.Op == event.Rescan && ev.Scope != nil && ev.Path == "" {
			q.pushNarrowed(ev.Scope, now)
			return
		}
		q.pushRescan(ev.Path, ev.IsDir, now)
	}
}

// merge is the merge table for two changes at the same path: x older, y
// newer. It returns the combined change, false if nothing is left to do, and
// the From of a move whose rename the result no longer performs (that path
// then needs a delete, merged in as an older change). Subtree effects
// (children removed, absorbed or re-keyed) are the callers' business.
func merge(x, y change) (res change, keep bool, lost string) {
	switch {
	case x.op == event.Rescan:
		if y.op == event.Move {
			return x, true, y.from
		}
		return x, true, ""
	case y.op == event.Rescan:
		if x.op == event.Move {
			lost = x.from
		}
		return y, true, lost
	case y.op == event.Move:
		if x.op == event.Move {
			lost = x.from
		}
		y.mayExist = y.mayExist || x.op != event.Create || x.mayExist
		y.replaces = y.replaces || overDir(x, y)
		return y, true, lost
	case y.op == event.Delete:
		return mergeDelete(x, y)
	case x.isDir != y.isDir && x.op != event.Delete:
		// A type change: the path was deleted and made anew as the other
		// kind, whatever events said so (or were lost).
		d, keep, lost := mergeDelete(x, change{op: event.Delete, isDir: x.isDir})
		if !keep {
			return change{op: event.Create, isDir: y.isDir, mayExist: x.mayExist}, true, lost
		}
		return mergeSync(d, change{op: event.Create, isDir: y.isDir}), true, lost
	}
	return mergeSync(x, y), true, ""
}

// overDir reports whether file change y lands where pending change x says
// the target may hold a directory.
func overDir(x, y change) bool {
	return !y.isDir && (x.isDir || x.replaces || x.op == event.Delete)
}

// mergeDelete is merge for a newer Delete.
func mergeDelete(x, y change) (change, bool, string) {
	switch x.op {
	case event.Create:
		if !x.mayExist {
			return change{}, false, "" // the target never had it
		}
	case event.Move:
		if !x.mayExist {
			return change{}, false, x.from
		}
		return y, true, x.from
	}
	return y, true, ""
}

// mergeSync is merge for a newer Create, Modify or Attrib.
func mergeSync(x, y change) change {
	switch x.op {
	case event.Create:
		x.mayExist = x.mayExist || y.mayExist
		return x
	case event.Move:
		return x // the sink syncs Path after the rename anyway
	case event.Delete:
		if y.isDir {
			// The target may still hold the old directory's children.
			return change{op: event.Rescan, isDir: true}
		}
		return change{op: event.Modify, replaces: true}
	case event.Attrib:
		if y.op == event.Attrib {
			return change{op: event.Attrib, isDir: y.isDir}
		}
	}
	// The target had it: never a Create again.
	return change{op: event.Modify, isDir: y.isDir, replaces: x.replaces}
}

// rescanInFlight reports whether a Rescan at or above p is in flight: it
// may be copying p's subtree as it was a moment ago.
func (q *Queue) rescanInFlight(p string) bool {
	for dir := p; ; dir = event.Parent(dir) {
		if f := q.flying[dir]; f != nil && f.ev.Op == event.Rescan && !f.ev.Scope.Skips(p, true) {
			return true
		}
		if dir == "" {
			return false
		}
	}
}

// pushSync pushes a Create, Modify or Attrib.
func (q *Queue) pushSync(ev event.Event, now time.Time) {
	if ev.Op == event.Create && ev.IsDir && q.rescanInFlight(ev.Path) {
		// A full sync in flight may have copied the new directory with a
		// file since moved out of it (torture seed 282910): only a Rescan
		// of it clears that; a Create would add to what is there.
		q.pushRescan(ev.Path, true, now)
		return
	}
	e := q.at(ev.Path)
	open := ev.Op == event.Create && ev.Open && !ev.IsDir
	if e == nil {
		c := change{op: ev.Op, isDir: ev.IsDir}
		if ev.Op == event.Create {
			c.mayExist = ev.MayExist || q.targetMayHold(ev.Path)
		}
		q.insert(&entry{change: c, path: ev.Path, size: ev.Size, first: now, last: now, open: open}, now)
		return
	}
	// The close-write of an open file is its Modify; until then it waits
	// (see settle). Set before amend, which schedules by it.
	closed := e.open && ev.Op == event.Modify
	e.open = open || e.open && !closed
	res, _, from := merge(e.change, change{op: ev.Op, isDir: ev.IsDir, mayExist: ev.Op == event.Create && ev.MayExist})
	lost := lostFrom{path: from, isDir: e.isDir, seq: e.seq, to: e.path}
	switch {
	case res.op == event.Rescan && e.op != event.Rescan:
		q.pushRescan(ev.Path, true, now) // which also deletes a lost From
		return
	case e.op != event.Rescan && (e.op == event.Delete || e.isDir != ev.IsDir):
		// The path reappeared (or changed kind): that is new work, which
		// must follow what arrived since the delete, such as its parent's
		// Create or a move of an ancestor.
		q.detach(e)
		e.seq = q.nextSeq()
		e.size = ev.Size
		q.amend(e, res, now)
	default:
		if ev.Size > 0 {
			e.size = ev.Size
		}
		q.amend(e, res, now)
		if closed && e.place == inPlain {
			// The close moves its settle time earlier, which reschedule
			// does not look for.
			q.detach(e)
			q.schedule(e, now)
		}
	}
	if lost.path != "" {
		q.olderDelete(lost, now)
	}
}

// pushDelete pushes a Delete: what is pending below the path goes with it.
func (q *Queue) pushDelete(p string, isDir bool, now time.Time) {
	q.cover(p, 0)
	lost := q.dropBelow(p, 0, nil)
	y := change{op: event.Delete, isDir: isDir}
	if e := q.at(p); e == nil {
		q.insert(&entry{change: y, path: p, first: now, last: now}, now)
	} else {
		res, keep, from := merge(e.change, y)
		if from != "" {
			lost = append(lost, lostFrom{path: from, isDir: e.isDir, seq: e.seq, to: p})
		}
		switch {
		case !keep:
			q.remove(e)
		case res.op == e.op:
			q.amend(e, res, now)
		default:
			// A delete must run after the older moves out of its subtree
			// that it now waits for (see clears), so it goes last.
			q.detach(e)
			e.seq = q.nextSeq()
			q.amend(e, res, now)
		}
	}
	q.olderDeletes(lost, now)
}

// dropBelow removes the pending entries strictly below p, or only those
// older than seq if seq is not 0, as a delete of p does: it appends the
// Froms of moves into p from outside, which still need deleting.
func (q *Queue) dropBelow(p string, seq uint64, lost []lostFrom) []lostFrom {
	n := q.nodes[p]
	if n == nil {
		return lost
	}
	for _, x := range q.below(n) {
		if seq == 0 || x.seq < seq {
			lost = x.lostAny(lost)
			q.remove(x)
		}
	}
	return lost
}

// pushRescan pushes a Rescan: it covers every pending entry at or under p,
// except what moves out of p (kept: it must run first) and the From of moves
// into p (which needs a delete).
func (q *Queue) pushRescan(p string, isDir bool, now time.Time) {
	q.cover(p, 0)
	e := &entry{change: change{op: event.Rescan, isDir: isDir}, path: p, first: now, last: now}
	var lost []lostFrom
	if n := q.nodes[p]; n != nil {
		victims := q.below(n)
		if old := n.entry; old != nil {
			victims = append(victims, old)
			e.attempts, e.notBefore, e.forced = old.attempts, old.notBefore, old.forced
		}
		for _, x := range victims {
			if x.first.Before(e.first) {
				e.first = x.first
			}
			lost = x.lostAny(lost)
			q.remove(x)
		}
	}
	q.insert(e, now)
	q.olderDeletes(lost, now)
}

// lostFrom is the From of a move dropped from the queue: the target still
// holds that path, which the source no longer has. seq is the dropped
// move's: the delete takes its place in the order (an older rename of an
// ancestor, say, must not carry the old thing away first). to is the
// dropped move's Path: newer moves out of it relied on the rename.
type lostFrom struct {
	path  string
	isDir bool
	seq   uint64
	to    string
}

// lostAny appends e's From if e is a Move. A From inside the subtree being
// cleared usually goes with it, but olderDelete decides: an older rename of
// an ancestor may carry it out first.
func (e *entry) lostAny(lost []lostFrom) []lostFrom {
	if e.op == event.Move {
		lost = append(lost, e.lost())
	}
	return lost
}

// lost describes Move e as dropped.
func (e *entry) lost() lostFrom {
	return lostFrom{path: e.from, isDir: e.isDir, seq: e.seq, to: e.path}
}

// olderDeletes deals with dropped moves: the newer moves that relied on
// each rename go first, then the delete of each From.
func (q *Queue) olderDeletes(lost []lostFrom, now time.Time) {
	for _, l := range lost {
		q.dropDependents(l, now)
		q.olderDelete(l, now)
	}
}

// dropDependents degrades the pending moves newer than a dropped move whose
// From lies at or below its Path: their From exists on the target only if
// that rename happens. Each becomes a sync of its own Path by state, and is
// itself dropped (so what relied on it follows, recursively).
func (q *Queue) dropDependents(l lostFrom, now time.Time) {
	if l.to == "" || len(q.moves) == 0 {
		return
	}
	for _, m := range q.movesWithin(l.to) {
		if m.seq <= l.seq || m.node == nil {
			continue
		}
		q.remove(m)
		// What the target holds at m's Path instead of what m would have
		// put there may be carried on by newer renames, too.
		if dest, ok := q.landing(m.path, m.seq); !ok {
			// cleared by something newer anyway
		} else if m.isDir || dest != m.path {
			q.pushRescan(dest, m.isDir, now)
		} else {
			q.pushSync(event.Event{Op: event.Modify, Path: m.path, Size: m.size}, now)
		}
		q.olderDeletes([]lostFrom{m.lost()}, now)
	}
}

// olderDelete merges the delete of a lost From, which happened before
// whatever is pending there: the pending entry already describes the
// path's newest state, so it stays, merged with the delete as the older
// change (a Create becomes a Modify, as the target still holds the old one).
func (q *Queue) olderDelete(l lostFrom, now time.Time) {
	if dest, ok := q.landing(l.path, l.seq); !ok {
		return // a newer delete, rescan or rename onto an ancestor clears it
	} else if dest != l.path {
		// Newer renames of an ancestor come first and carry the old thing
		// along (they wait only for older moves out of their subtree, not
		// for this delete): deal with it where it lands, by state.
		q.pushRescan(dest, l.isDir, now)
		return
	}
	// Older work below is moot: the delete took it with it.
	q.cover(l.path, l.seq)
	lost := q.dropBelow(l.path, l.seq, nil)
	defer q.olderDeletes(lost, now)
	e := q.at(l.path)
	if e == nil {
		d := &entry{change: change{op: event.Delete, isDir: l.isDir}, path: l.path, first: now, last: now, seq: l.seq}
		q.insert(d, now)
		return
	}
	res, _, _ := merge(change{op: event.Delete, isDir: l.isDir}, e.change)
	if res.op == event.Rescan && e.op != event.Rescan {
		q.pushRescan(l.path, true, now)
		return
	}
	q.amend(e, res, time.Time{})
}

// landing follows the target's old copy of p through the pending directory
// renames newer than seq that will carry it along, oldest first: it returns
// where that copy ends up, or false if a newer delete, rescan or rename
// onto an ancestor clears it on the way.
func (q *Queue) landing(p string, seq uint64) (string, bool) {
	for {
		x, moved := q.nextAbove(p, seq)
		switch {
		case x == nil:
			return p, true
		case !moved:
			return "", false
		}
		p, seq = event.Rebase(p, x.from, x.path), x.seq
	}
}

// nextAbove returns the oldest pending entry newer than seq that either
// clears the subtree of a strict ancestor of p or (moved) renames such an
// ancestor away: whichever happens first decides what becomes of the old
// thing the target holds at p.
func (q *Queue) nextAbove(p string, seq uint64) (x *entry, moved bool) {
	for a := q.above(p); a != nil; a = a.parent {
		if e := a.entry; e != nil && e.clears() && e.scope == nil && e.seq > seq && (x == nil || e.seq < x.seq) {
			x, moved = e, false
		}
		for _, m := range a.froms {
			if m.isDir && m.seq > seq && (x == nil || m.seq < x.seq) {
				x, moved = m, true
			}
		}
	}
	return x, moved
}

// targetMayHold reports whether the target might hold p although nothing
// pending is keyed there: then a Create of p must not vanish with a later
// Delete. It errs on the side of true: the price is one needless delete.
// oldAt reports, for a directory Move to p about to be handed out, whether
// the target may hold something at or below p from before the move: what
// a pending move away from p still has to take along, what work in flight
// at, below or above p may have put there, or a Create of p that landed
// moments ago. Pending entries below p are newer than the move (older ones
// were dropped or re-keyed when it was pushed) and do not count.
func (q *Queue) oldAt(p string) bool {
	if _, ok := q.landed[p]; ok {
		return true
	}
	if n := q.nodes[p]; n != nil && (n.flights > 0 || n.flightBelow > 0 || len(n.froms) > 0 || n.fromsBelow > 0) {
		return true
	}
	for a := q.above(p); a != nil; a = a.parent {
		if a.flights > 0 {
			return true
		}
		if x := a.entry; x != nil && (x.op == event.Rescan || x.op == event.Delete || x.op == event.Create && x.mayExist) {
			return true
		}
	}
	return false
}

func (q *Queue) targetMayHold(p string) bool {
	if _, ok := q.landed[p]; ok {
		return true // a Create of p landed moments ago
	}
	if n := q.nodes[p]; n != nil {
		// Work below p (in flight or pending) may create p on the target;
		// a pending move from p means the target still holds the old p.
		if n.flights > 0 || n.flightBelow > 0 || n.pendBelow > 0 || len(n.froms) > 0 || n.fromsBelow > 0 {
			return true
		}
	}
	for a := q.above(p); a != nil; a = a.parent {
		if a.flights > 0 {
			return true // e.g. an in-flight Rescan may copy p
		}
		if x := a.entry; x != nil && (x.op == event.Rescan || x.op == event.Delete || x.op == event.Create && x.mayExist) {
			return true
		}
	}
	return false
}

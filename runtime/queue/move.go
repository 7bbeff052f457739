package queue

import (
	"cmp"
	"slices"
	"time"

	"github.com/luasync/luasync/runtime/event"
)

// movePlan is a Move a->b the queue can keep as a rename (or as a Create of
// b, when the target never had a), with everything it displaces.
type movePlan struct {
	ea, eb *entry     // pending entries at a and b
	res    change     // the entry that ends up at b
	underA []*entry   // pending entries below a, in seq order: re-keyed below b
	underB []*entry   // pending entries below b: overwritten by the rename, but for by-state changes (see applyMove)
	lost   []lostFrom // Froms of displaced moves: deleted as older changes
	oldA   bool       // ea was a move over an a the target may hold: delete a
}

// pushMove pushes a Move. When the queue cannot tell what the target holds
// at From (see planMove), the move becomes what it certainly means in the
// source: From is gone, and Path (its whole subtree, for a directory) must
// be synced. A sink never sees a Move whose From the queue knows may be
// missing on the target.
func (q *Queue) pushMove(ev event.Event, now time.Time) {
	a, b := ev.From, ev.Path
	if a == b {
		q.pushSync(event.Event{Op: event.Modify, Path: b, IsDir: ev.IsDir, Size: ev.Size}, now)
		return
	}
	p, ok := q.planMove(ev)
	if !ok {
		q.pushDelete(a, ev.IsDir, now)
		if ev.IsDir {
			q.pushRescan(b, true, now)
		} else {
			q.pushSync(event.Event{Op: event.Modify, Path: b, Size: ev.Size}, now)
		}
		return
	}
	q.applyMove(p, ev, now)
}

// planMove works out a Move a->b without changing anything; false means the
// move must be degraded to a delete of a and a sync of b.
func (q *Queue) planMove(ev event.Event) (movePlan, bool) {
	a, b := ev.From, ev.Path
	p := movePlan{ea: q.at(a), eb: q.at(b)}
	if event.Within(a, b) || event.Within(b, a) || p.eb != nil && p.eb.op == event.Rescan {
		return p, false
	}
	if !q.planSource(&p, ev) {
		return p, false
	}
	if p.eb != nil && p.eb.op == event.Move {
		p.lost = append(p.lost, p.eb.lost())
	}
	if nb := q.nodes[b]; ev.IsDir && nb != nil {
		p.underB = q.below(nb)
		for _, x := range p.underB {
			p.lost = x.lostAny(p.lost)
		}
		// The rename replaces them, where it is a rename; a sink that
		// cannot rename must clear what they would have changed.
		p.res.over = p.res.over || len(p.underB) > 0
	}
	for _, l := range p.lost {
		if event.Within(l.path, a) {
			return p, false
		}
	}
	if na := q.nodes[a]; ev.IsDir && na != nil {
		p.underA = q.below(na)
		for _, x := range p.underA {
			if x.op == event.Move && !q.rekeyable(x, a, b) {
				return p, false
			}
		}
		slices.SortFunc(p.underA, func(x, y *entry) int { return cmp.Compare(x.seq, y.seq) })
		if len(p.underA) > 0 && q.newerMoveOut(a, p.underA[0].seq) {
			// It waits for entries below a that re-keying would put after it.
			return p, false
		}
	}
	return p, true
}

// newerMoveOut reports whether a pending move out of directory a (From
// below a, Path outside) is newer than seq.
func (q *Queue) newerMoveOut(a string, seq uint64) bool {
	for _, m := range q.movesWithin(a) {
		if m.seq > seq && m.from != a && !event.Within(m.path, a) {
			return true
		}
	}
	return false
}

// planSource decides what becomes of the pending entry at a, filling p.res;
// false if the target's state at a is not known well enough to rename it.
func (q *Queue) planSource(p *movePlan, ev event.Event) bool {
	a, b := ev.From, ev.Path
	p.res = change{op: event.Move, from: a, isDir: ev.IsDir, over: ev.IsDir && q.oldAt(b)}
	// The target holds nothing at b iff b's entry is a Create that never
	// reached it; otherwise the rename overwrites something there.
	p.res.mayExist = p.eb == nil || p.eb.op != event.Create || p.eb.mayExist
	if p.eb != nil && p.res.mayExist && ev.IsDir {
		// What is pending at b (a delete of an older b, say, left by a
		// swap whose rename was dropped) says the target holds a b, which
		// this move replaces, and which the entry, dropped for the move,
		// no longer clears.
		p.res.over = true
	}
	p.res.replaces = p.eb != nil && overDir(p.eb.change, p.res)
	if ev.IsDir && q.dirSourceUncertain(a, p.ea) {
		return false
	}
	ea := p.ea
	if ea == nil {
		return true
	}
	if ea.isDir != ev.IsDir || ea.replaces {
		return false // the target's a may be an old directory, not what moved
	}
	switch ea.op {
	case event.Delete, event.Rescan:
		return false
	case event.Create:
		// The target never had a: b is simply new. For a directory that is
		// only safe when nothing is (or will be) at b on the target, since
		// a Create does not clear old children the rename would replace.
		if ea.mayExist || ev.IsDir && !q.emptyAt(b, p.eb) {
			return false
		}
		p.res.op, p.res.from = event.Create, ""
	case event.Move:
		z := ea.from
		if event.Within(z, b) || event.Within(b, z) || ev.IsDir && ea.node.fromsBelow > 0 || !fromQuiet(ea) {
			return false
		}
		p.res.from = z
		p.oldA = ea.mayExist
	}
	return true
}

// dirSourceUncertain reports whether the target's copy of directory a may
// not match what the source had before the move: in-flight work on it or
// around it, or a pending ancestor that replaces or creates it.
func (q *Queue) dirSourceUncertain(a string, ea *entry) bool {
	if na := q.nodes[a]; na != nil && (na.flights > 0 || na.flightBelow > 0) {
		return true
	}
	for n := q.above(a); n != nil; n = n.parent {
		if n.flightSub > 0 {
			return true
		}
		x := n.entry
		if x == nil {
			continue
		}
		switch x.op {
		case event.Rescan, event.Delete:
			return true
		case event.Create:
			if x.mayExist || ea == nil || ea.op != event.Create {
				return true
			}
		}
	}
	return false
}

// emptyAt reports whether the target certainly holds no stale subtree at b.
// Work in flight on a directory above b (a Rescan, or a directory's Create
// sent with what it holds) may be copying whatever the source has at b.
func (q *Queue) emptyAt(b string, eb *entry) bool {
	if eb != nil && (eb.op != event.Create || eb.mayExist) {
		return false
	}
	for a := q.above(b); a != nil; a = a.parent {
		if a.flights > 0 {
			return false
		}
	}
	nb := q.nodes[b]
	return nb == nil || nb.pendBelow == 0 && nb.fromsBelow == 0 && len(nb.froms) == 0 && nb.flights == 0 && nb.flightBelow == 0
}

// applyMove carries out a plan: the result at b gets a new seq, and the
// entries from below a follow it, re-keyed below b in their old order.
func (q *Queue) applyMove(p movePlan, ev event.Event, now time.Time) {
	a, b := ev.From, ev.Path
	e := &entry{change: p.res, path: b, size: ev.Size, first: now, last: now}
	if ev.IsDir {
		q.cover(b, 0) // the rename replaces whatever b held
	}
	var kept []*entry
	for _, x := range p.underB {
		q.remove(x)
		if x.op == event.Create || x.op == event.Modify || x.op == event.Attrib {
			kept = append(kept, x)
		}
	}
	if p.eb != nil {
		q.remove(p.eb)
	}
	if ea := p.ea; ea != nil {
		e.first, e.attempts, e.forced = ea.first, ea.attempts, ea.forced
		if ev.Size == 0 {
			e.size = ea.size
		}
		q.remove(ea)
	}
	for _, x := range p.underA {
		q.remove(x)
	}
	q.insert(e, now)
	for _, x := range p.underA {
		x.path = event.Rebase(x.path, a, b)
		if x.op == event.Move && event.Within(x.from, a) {
			x.from = event.Rebase(x.from, a, b)
		}
		if x.op == event.Create && !x.mayExist {
			// What the target may hold below b is not what it held
			// below a: a pending rescan there, say.
			x.mayExist = q.targetMayHold(x.path)
		}
		x.seq = 0
		q.insert(x, now)
	}
	// A rename replaces only an empty directory, so a change still pending
	// below b that says something is there came with the directory: the
	// watcher reported it at its new name before the rename that took it
	// there (torture seed 135088). It is synced after the move, by state.
	slices.SortFunc(kept, func(x, y *entry) int { return cmp.Compare(x.seq, y.seq) })
	for _, x := range kept {
		if x.op == event.Create {
			x.mayExist = true
		}
		x.seq = 0
		q.insert(x, now)
	}
	q.olderDeletes(p.lost, now)
	if p.oldA {
		q.pushDelete(a, ev.IsDir, now)
	}
}

// rekeyable reports whether a pending move x into directory a can follow
// the move a->b with a new seq. It cannot when its rename must happen before
// a->b (From inside b), when moves out of its Path rely on it, or when newer
// work is pending at or below its From outside a: that work must keep
// running after x, and a new seq would put x behind it.
func (q *Queue) rekeyable(x *entry, a, b string) bool {
	if event.Within(x.from, b) || len(x.node.froms) > 0 || x.node.fromsBelow > 0 {
		return false
	}
	return event.Within(x.from, a) || fromQuiet(x)
}

// fromQuiet reports whether no newer work than move m is pending at, below
// or above (subtree-wide) m's From, nor anything at or below it at all. A
// move that gets a new seq (merged into a later move, or re-keyed) must not
// overtake such work, which assumes the target's From is already renamed.
func fromQuiet(m *entry) bool {
	f := m.fromNode
	if f.entry != nil || len(f.froms) != 1 || f.pendBelow > 0 || f.fromsBelow > 0 {
		return false
	}
	for a := f.parent; a != nil; a = a.parent {
		if x := a.entry; x != nil && x.subtree() && x.seq > m.seq {
			return false
		}
		for _, o := range a.froms {
			if o.isDir && o.seq > m.seq {
				return false
			}
		}
	}
	return true
}

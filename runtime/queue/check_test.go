package queue

import (
	"fmt"
	"slices"

	"github.com/luasync/luasync/runtime/event"
)

// check verifies the queue's internal bookkeeping from scratch: the path
// index and its counts, the heaps, the move set, the in-flight counts, and
// that every parked entry will be woken (no entry can be lost).
func (q *Queue) check() error {
	if err := q.checkNodes(); err != nil {
		return err
	}
	if err := q.checkFlights(); err != nil {
		return err
	}
	if err := q.checkHeaps(); err != nil {
		return err
	}
	if err := q.checkParked(); err != nil {
		return err
	}
	return q.checkOlderBelow()
}

// checkOlderBelow verifies the assumption behind orderBlock: below an entry
// that clears its subtree, no older move into that subtree is pending (it
// could run after the clear and bring the old thing back; older by-state
// changes are harmless in either order, and older moves out of the subtree
// are keyed elsewhere and looked up by From).
func (q *Queue) checkOlderBelow() error {
	for _, n := range q.nodes {
		c := n.entry
		if c == nil || !c.clears() {
			continue
		}
		for _, x := range q.below(n) {
			// A narrowed Rescan of the root absorbs nothing; every move
			// below it is out of it, and orderBlock waits for those.
			if x.seq < c.seq && x.op == event.Move && c.scope == nil {
				return fmt.Errorf("%v (seq %d) is older than %v (seq %d) above it", x.event(), x.seq, c.event(), c.seq)
			}
		}
		if c.op == event.Move {
			for _, x := range q.below(c.fromNode) {
				if x.seq < c.seq && x.op == event.Move {
					return fmt.Errorf("%v (seq %d) is older than %v (seq %d) moving it", x.event(), x.seq, c.event(), c.seq)
				}
			}
		}
	}
	return nil
}

func (q *Queue) checkNodes() error {
	count, moves := 0, 0
	for p, n := range q.nodes {
		if n.path != p {
			return fmt.Errorf("node %q filed under %q", n.path, p)
		}
		if n != q.root && (n.parent == nil || !n.parent.hasKid(n) || event.Parent(p) != n.parent.path) {
			return fmt.Errorf("node %q not a kid of its parent", p)
		}
		for k := n.kid; k != nil; k = k.next {
			if k.parent != n || q.nodes[k.path] != k || k.next != nil && k.next.prev != k {
				return fmt.Errorf("node %q has a bad child list at %q", p, k.path)
			}
		}
		if n != q.root && n.idle() {
			return fmt.Errorf("idle node %q not pruned", p)
		}
		if e := n.entry; e != nil {
			count++
			if e.node != n || e.path != p {
				return fmt.Errorf("entry %v at node %q", e.event(), p)
			}
			if e.op == event.Move && (e.fromNode == nil || e.fromNode.path != e.from) {
				return fmt.Errorf("move %v not indexed by From", e.event())
			}
			if e.op != event.Move && e.fromNode != nil {
				return fmt.Errorf("non-move %v indexed by From", e.event())
			}
		}
		for _, m := range n.froms {
			moves++
			if m.op != event.Move || m.from != p || m.fromNode != n || m.node == nil {
				return fmt.Errorf("bad from-index %v at %q", m.event(), p)
			}
		}
		below, fromsBelow := 0, 0
		for k := n.kid; k != nil; k = k.next {
			if k.entry != nil {
				below++
			}
			below += k.pendBelow
			fromsBelow += len(k.froms) + k.fromsBelow
		}
		if below != n.pendBelow || fromsBelow != n.fromsBelow {
			return fmt.Errorf("node %q counts below %d/%d, want %d/%d", p, n.pendBelow, n.fromsBelow, below, fromsBelow)
		}
	}
	if count != q.count || moves != len(q.moves) {
		return fmt.Errorf("count %d moves %d, index has %d and %d", q.count, len(q.moves), count, moves)
	}
	return nil
}

func (q *Queue) checkFlights() error {
	here := map[string]int{}
	sub := map[string]int{}
	froms := 0
	for _, fs := range q.flyingFrom {
		froms += len(fs)
	}
	moves := 0
	for p, f := range q.flying {
		if f.ev.Path != p {
			return fmt.Errorf("flight %v filed under %q", f.ev, p)
		}
		if f.ev.Op == event.Move {
			moves++
			if !slices.Contains(q.flyingFrom[f.ev.From], f) {
				return fmt.Errorf("flight %v not filed by From", f.ev)
			}
		}
		for _, t := range touches(f.ev) {
			here[t]++
			if f.scoped {
				sub[t]++
			}
		}
	}
	for p, n := range q.nodes {
		if n.flights != here[p] || n.flightSub != sub[p] {
			return fmt.Errorf("node %q flights %d/%d, want %d/%d", p, n.flights, n.flightSub, here[p], sub[p])
		}
		b := 0
		for k := n.kid; k != nil; k = k.next {
			b += k.flights + k.flightBelow
		}
		if b != n.flightBelow {
			return fmt.Errorf("node %q flightBelow %d, want %d", p, n.flightBelow, b)
		}
		delete(here, p)
	}
	for p := range here {
		return fmt.Errorf("in-flight path %q has no node", p)
	}
	if froms != moves {
		return fmt.Errorf("%d in-flight moves, %d filed by From", moves, froms)
	}
	return nil
}

func (q *Queue) checkHeaps() error {
	for _, h := range []struct {
		name  string
		heap  *entryHeap
		place place
	}{{"ready", &q.ready, inReady}, {"plain", &q.plain, inPlain}, {"backoff", &q.backoff, inBackoff}} {
		for i, e := range h.heap.items {
			if e.hidx != i || e.place != h.place || e.node == nil {
				return fmt.Errorf("%s heap item %d: %v hidx %d place %d", h.name, i, e.event(), e.hidx, e.place)
			}
			if i > 0 && h.heap.less(e, h.heap.items[(i-1)/arity]) {
				return fmt.Errorf("%s heap order broken at %d", h.name, i)
			}
		}
	}
	return nil
}

// checkParked verifies that every parked entry has a live waiter record on
// something that will wake it: a pending entry, or a node with in-flight
// work at or below it.
func (q *Queue) checkParked() error {
	live := map[*entry]bool{}
	note := func(ws []waiter) {
		for _, w := range ws {
			if w.e.place == parked && w.e.parkTok == w.tok {
				live[w.e] = true
			}
		}
	}
	for _, n := range q.nodes {
		if len(n.waiters) > 0 && n.flights == 0 && n.flightBelow == 0 {
			note(n.waiters)
			for e := range live {
				return fmt.Errorf("%v parked on idle node %q", e.event(), n.path)
			}
		}
		note(n.waiters)
		if n.entry != nil {
			note(n.entry.waiters)
		}
	}
	for _, n := range q.nodes {
		if e := n.entry; e != nil && e.place == parked && !live[e] {
			return fmt.Errorf("%v parked with nothing to wake it", e.event())
		}
		if e := n.entry; e != nil && e.place == nowhere {
			return fmt.Errorf("%v pending but nowhere", e.event())
		}
	}
	return nil
}

func (n *node) hasKid(k *node) bool {
	for c := n.kid; c != nil; c = c.next {
		if c == k {
			return true
		}
	}
	return false
}

package queue

import (
	"github.com/luasync/luasync/runtime/event"
)

// node is one path in the index of everything the queue knows about a path:
// the pending entry keyed there, pending moves whose From is there, in-flight
// work touching it, and entries parked until that work ends. Every node keeps
// counts for its subtree, so conflict checks walk ancestors (O(depth)) and
// never the whole queue. A node exists only while something needs it, so
// subtree walks cost what the subtree holds.
type node struct {
	path   string
	parent *node    // nil for the root ""
	kid    *node    // first child; children are linked through next/prev
	next   *node    // next sibling
	prev   *node    // previous sibling
	entry  *entry   // pending entry at this path
	froms  []*entry // pending Moves whose From is this path

	pendBelow  int // pending entries strictly below
	fromsBelow int // pending Moves whose From is strictly below

	flights     int // in-flight touches (Path or From) of this path
	flightSub   int // ...of which may reach below it (change.flightScoped)
	flightBelow int // in-flight touches strictly below

	waiters []waiter // entries parked until in-flight work here or below ends
}

func (n *node) idle() bool {
	return n.entry == nil && len(n.froms) == 0 && n.kid == nil && n.flights == 0 && len(n.waiters) == 0
}

// under reports whether p lies strictly below dir.
func under(p, dir string) bool { return p != dir && event.Within(p, dir) }

// obtain returns the node of p, creating it and its missing ancestors.
func (q *Queue) obtain(p string) *node {
	if n := q.nodes[p]; n != nil {
		return n
	}
	parent := q.obtain(event.Parent(p))
	n := &node{path: p, parent: parent, next: parent.kid}
	if n.next != nil {
		n.next.prev = n
	}
	parent.kid = n
	q.nodes[p] = n
	return n
}

// nearest returns the node of p or of its closest ancestor that has one.
func (q *Queue) nearest(p string) *node {
	for {
		if n := q.nodes[p]; n != nil {
			return n
		}
		p = event.Parent(p)
	}
}

// above returns the node of p's closest strict ancestor that has one, or nil
// for the root.
func (q *Queue) above(p string) *node {
	if p == "" {
		return nil
	}
	return q.nearest(event.Parent(p))
}

// prune drops n and then its ancestors while nothing needs them.
func (q *Queue) prune(n *node) {
	for n != q.root && n.idle() {
		p := n.parent
		if n.prev != nil {
			n.prev.next = n.next
		} else {
			p.kid = n.next
		}
		if n.next != nil {
			n.next.prev = n.prev
		}
		delete(q.nodes, n.path)
		n = p
	}
}

// at returns the pending entry keyed at p, or nil.
func (q *Queue) at(p string) *entry {
	if n := q.nodes[p]; n != nil {
		return n.entry
	}
	return nil
}

// link indexes a pending entry under its path (and its From, for a Move).
func (q *Queue) link(e *entry) {
	n := q.obtain(e.path)
	n.entry = e
	e.node = n
	for a := n.parent; a != nil; a = a.parent {
		a.pendBelow++
	}
	q.count++
	if e.op == event.Move {
		q.linkFrom(e)
	}
}

func (q *Queue) unlink(e *entry) {
	n, f := e.node, e.fromNode
	q.unindex(e)
	q.prune(n)
	if f != nil {
		q.prune(f)
	}
}

// unindex is unlink without pruning the nodes it leaves idle.
func (q *Queue) unindex(e *entry) {
	if e.fromNode != nil {
		q.unindexFrom(e)
	}
	n := e.node
	n.entry = nil
	e.node = nil
	for a := n.parent; a != nil; a = a.parent {
		a.pendBelow--
	}
	q.count--
}

func (q *Queue) linkFrom(e *entry) {
	f := q.obtain(e.from)
	f.froms = append(f.froms, e)
	e.fromNode = f
	for a := f.parent; a != nil; a = a.parent {
		a.fromsBelow++
	}
	q.moves[e] = struct{}{}
}

// unlinkFrom stops indexing e by its From (it is no longer a Move, or has
// another From).
func (q *Queue) unlinkFrom(e *entry) {
	f := e.fromNode
	q.unindexFrom(e)
	q.prune(f)
}

func (q *Queue) unindexFrom(e *entry) {
	f := e.fromNode
	for i, m := range f.froms {
		if m == e {
			f.froms = append(f.froms[:i], f.froms[i+1:]...)
			break
		}
	}
	if len(f.froms) == 0 {
		f.froms = nil
	}
	for a := f.parent; a != nil; a = a.parent {
		a.fromsBelow--
	}
	e.fromNode = nil
	delete(q.moves, e)
}

// below returns the pending entries keyed strictly under n, in no order.
func (q *Queue) below(n *node) []*entry {
	var out []*entry
	stack := q.busyKids(n, nil)
	for len(stack) > 0 {
		k := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if k.entry != nil {
			out = append(out, k.entry)
		}
		stack = q.busyKids(k, stack)
	}
	return out
}

// busyKids appends the children of n that hold or lead to pending entries.
func (q *Queue) busyKids(n *node, stack []*node) []*node {
	if n.pendBelow == 0 {
		return stack
	}
	for k := n.kid; k != nil; k = k.next {
		if k.entry != nil || k.pendBelow > 0 {
			stack = append(stack, k)
		}
	}
	return stack
}

// smallMoves is how many pending moves the queue scans directly, rather than
// walking a subtree, to find one whose From lies under a path.
const smallMoves = 32

// olderMoveBelow returns a pending Move, other than e, with a lower seq than
// e and its From strictly under n.
func (q *Queue) olderMoveBelow(n *node, e *entry) *entry {
	older := func(m *entry) bool { return m != e && m.seq < e.seq }
	if len(q.moves) <= smallMoves {
		for m := range q.moves {
			if older(m) && under(m.from, n.path) {
				return m
			}
		}
		return nil
	}
	stack := []*node{n}
	for len(stack) > 0 {
		k := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for c := k.kid; c != nil; c = c.next {
			for _, m := range c.froms {
				if older(m) {
					return m
				}
			}
			if c.fromsBelow > 0 {
				stack = append(stack, c)
			}
		}
	}
	return nil
}

// movesWithin returns the pending moves whose From is p or lies below it.
func (q *Queue) movesWithin(p string) []*entry {
	var out []*entry
	if len(q.moves) <= smallMoves {
		for m := range q.moves {
			if event.Within(m.from, p) {
				out = append(out, m)
			}
		}
		return out
	}
	n := q.nodes[p]
	if n == nil {
		return nil
	}
	out = append(out, n.froms...)
	stack := []*node{n}
	for len(stack) > 0 {
		k := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if k.fromsBelow == 0 {
			continue
		}
		for c := k.kid; c != nil; c = c.next {
			out = append(out, c.froms...)
			stack = append(stack, c)
		}
	}
	return out
}

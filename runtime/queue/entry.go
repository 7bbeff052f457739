package queue

import (
	"time"

	"github.com/luasync/luasync/runtime/event"
)

// change is what must happen at one path: the part of an entry that the
// merge table works on.
type change struct {
	op    event.Op
	from  string // Move only
	isDir bool
	// mayExist: the target may already hold something at the path. A
	// Create without it vanishes when a Delete follows; so does a Move,
	// leaving only the delete of its From.
	mayExist bool
	// replaces: a file change where the target may hold a directory (a
	// Modify after a Delete, a Move or Create over a deleted path).
	// Applied by state it replaces that whole directory.
	replaces bool
	// over: a directory Move to a path where the target may still hold an
	// older directory (see Queue.oldAt), as found when it was pushed.
	over bool
	// scope narrows a Rescan (event.Scope); such a Rescan supersedes
	// nothing below its path (see pushNarrowed).
	scope *event.Scope
}

// subtree reports whether the change reaches below its path on the target,
// so that work on an ancestor or a descendant conflicts with it.
func (c change) subtree() bool {
	switch c.op {
	case event.Delete, event.Rescan:
		return true
	case event.Create, event.Move:
		return c.isDir || c.replaces
	}
	return c.replaces
}

// clears reports whether the change destroys or replaces what the target
// holds below its path, so older moves out of that subtree must run first.
func (c change) clears() bool {
	return c.op == event.Delete || c.op == event.Rescan || c.op == event.Move && c.isDir || c.replaces
}

// flightScoped reports whether the change, once in flight, may reach below
// its path: a subtree change, or any change of a directory, since the
// source may turn it into a file before the sink looks, and a sink syncing
// by state then replaces the whole directory.
func (c change) flightScoped() bool {
	return c.subtree() || c.isDir
}

// place says where a pending entry waits.
type place uint8

const (
	nowhere   place = iota
	inReady         // due (or forced) candidates, by seq
	inPlain         // settling, by settle time
	inBackoff       // requeued, by notBefore
	parked          // blocked; listed as a waiter of its blocker
)

// entry is the pending change at one path.
type entry struct {
	change
	path      string
	size      int64
	first     time.Time // oldest change merged in (MaxWait)
	last      time.Time // newest change merged in (Delay)
	notBefore time.Time // Requeue backoff
	attempts  int
	seq       uint64 // emission order; unique
	forced    bool   // Flush: ready whatever the clock says
	// open: a file Create the watcher saw made by open(2) and not yet
	// closed (event.Event.Open); it settles at MaxWait unless its close
	// (a Modify) comes first.
	open bool

	node     *node // index node of path; nil while not pending
	fromNode *node // index node of from (Move only)

	place   place
	hidx    int       // index in its heap
	key     time.Time // heap key: settle time (inPlain) or notBefore (inBackoff)
	parkTok uint64    // bumped when the entry stops being parked, to void old waiter records
	waiters []waiter  // entries parked until this one changes or leaves
}

// waiter records that e was parked while its parkTok was tok; a record whose
// token no longer matches is stale and ignored.
type waiter struct {
	e   *entry
	tok uint64
}

func (e *entry) event() event.Event {
	return event.Event{Op: e.op, Path: e.path, From: e.from, IsDir: e.isDir, Size: e.size, Scope: e.scope}
}

// entryHeap is a 4-ary min-heap that keeps each entry's index in entry.hidx,
// so an entry can be removed from the middle when a change merges into it.
// Four children per node halve the depth of a binary heap, which is what a
// million-entry heap pays for in cache misses.
type entryHeap struct {
	items []*entry
	less  func(a, b *entry) bool
}

func bySeq(a, b *entry) bool { return a.seq < b.seq }

func byKey(a, b *entry) bool {
	if a.key.Equal(b.key) {
		return a.seq < b.seq
	}
	return a.key.Before(b.key)
}

func (h *entryHeap) len() int    { return len(h.items) }
func (h *entryHeap) min() *entry { return h.items[0] }
func (h *entryHeap) pop() *entry { return h.remove(0) }
func (h *entryHeap) push(e *entry) {
	e.hidx = len(h.items)
	h.items = append(h.items, e)
	h.up(e.hidx)
}

func (h *entryHeap) remove(i int) *entry {
	e := h.items[i]
	last := len(h.items) - 1
	if i != last {
		h.swap(i, last)
	}
	h.items[last] = nil
	h.items = h.items[:last]
	if i != last && !h.down(i) {
		h.up(i)
	}
	e.hidx = -1
	return e
}

func (h *entryHeap) swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.items[i].hidx = i
	h.items[j].hidx = j
}

const arity = 4

func (h *entryHeap) up(i int) {
	for i > 0 {
		p := (i - 1) / arity
		if !h.less(h.items[i], h.items[p]) {
			return
		}
		h.swap(i, p)
		i = p
	}
}

func (h *entryHeap) down(i int) bool {
	start, n := i, len(h.items)
	for {
		first := arity*i + 1
		if first >= n {
			break
		}
		m := first
		for c := first + 1; c < first+arity && c < n; c++ {
			if h.less(h.items[c], h.items[m]) {
				m = c
			}
		}
		if !h.less(h.items[m], h.items[i]) {
			break
		}
		h.swap(i, m)
		i = m
	}
	return i > start
}

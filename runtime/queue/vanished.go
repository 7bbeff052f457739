package queue

import "github.com/luasync/luasync/runtime/event"

// Explained reports whether what arrived since ev was taken accounts for
// ev's path being gone from the source: a newer change at the path itself
// (its delete, say), a move away from it, or a change of a directory above
// it that reaches below (its delete, rescan or rename), or a subtree change
// that superseded ev while in flight. Call it while ev is in flight, after
// everything that happened before the sink looked has been pushed (see
// package sink's Settle); false then means no event says why the path is
// gone, which a correct watcher never leaves unsaid.
func (q *Queue) Explained(ev event.Event) bool {
	f := q.flying[ev.Path]
	if f == nil || f.covered {
		return true
	}
	if n := q.nodes[ev.Path]; n != nil && (n.entry != nil && n.entry.seq > f.seq || len(n.froms) > 0) {
		return true
	}
	for a := q.above(ev.Path); a != nil; a = a.parent {
		if x := a.entry; x != nil && x.subtree() && x.scope == nil && x.seq > f.seq {
			return true
		}
		for _, m := range a.froms {
			if m.isDir && m.seq > f.seq {
				return true
			}
		}
	}
	return false
}

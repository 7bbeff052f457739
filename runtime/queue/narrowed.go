package queue

import (
	"time"

	"github.com/luasync/luasync/runtime/event"
)

// Rescanning reports whether a Rescan of p is pending or in flight.
func (q *Queue) Rescanning(p string) bool {
	if f := q.flying[p]; f != nil && f.ev.Op == event.Rescan {
		return true
	}
	e := q.at(p)
	return e != nil && e.op == event.Rescan
}

// pushNarrowed pushes a Rescan of the root narrowed by a Scope (see the
// package documentation). What the scope skips must still get the live
// changes made there, so unlike a plain Rescan it absorbs and supersedes
// nothing: entries pending below stay, and in-flight ones are not covered.
// A pending Rescan of the root stays and the new one is dropped: a plain
// one does more, a narrowed one is the same request not started yet. A
// change of the root directory itself (Attrib, Modify) merges into it.
func (q *Queue) pushNarrowed(scope *event.Scope, now time.Time) {
	e := &entry{change: change{op: event.Rescan, isDir: true, scope: scope}, path: "", first: now, last: now}
	if old := q.at(""); old != nil {
		if old.op == event.Rescan {
			return
		}
		e.attempts, e.notBefore, e.forced, e.first = old.attempts, old.notBefore, old.forced, old.first
		q.remove(old)
	}
	q.insert(e, now)
}

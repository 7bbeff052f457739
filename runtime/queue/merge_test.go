package queue

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/event"
)

var t0 = time.Unix(1_000_000, 0)

// Event builders: file and directory changes, and moves.
func file(op event.Op, p string) event.Event { return event.Event{Op: op, Path: p} }
func dir(op event.Op, p string) event.Event  { return event.Event{Op: op, Path: p, IsDir: true} }
func mv(from, to string) event.Event         { return event.Event{Op: event.Move, From: from, Path: to} }
func mvdir(from, to string) event.Event {
	return event.Event{Op: event.Move, From: from, Path: to, IsDir: true}
}

// pushAll pushes evs one time unit apart, starting at t0.
func pushAll(tb testing.TB, q *Queue, evs ...event.Event) {
	tb.Helper()
	for i, ev := range evs {
		q.Push(ev, t0.Add(time.Duration(i)))
		mustCheck(tb, q)
	}
}

func mustCheck(tb testing.TB, q *Queue) {
	tb.Helper()
	if err := q.check(); err != nil {
		tb.Fatalf("queue invariant: %v", err)
	}
}

// sameEvents compares what the queue handed out with what a test expects,
// leaving out Over: a hint to sinks, tested on its own.
func sameEvents(tb testing.TB, what string, got, want []event.Event) {
	tb.Helper()
	got = slices.Clone(got)
	for i := range got {
		got[i].Over = false
	}
	if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
		tb.Errorf("%s:\n got %v\nwant %v", what, got, want)
	}
}

// TestMergeTable is the merge table: an existing pending change X at a path,
// then a new event Y at the same path, for every pair of ops, for files and
// for directories; the result is what Drain returns, in order. A Move as X
// is x->p, as Y y->p.
//
// Where the result differs from a plain reading of the table, the target
// might hold something the plain result would leave stale:
//   - Delete + Modify/Attrib of a directory is a Rescan, like Delete + Create:
//     the target may still hold the old directory's children.
//   - Move x->p + Delete p deletes p as well as x: the rename overwrote
//     whatever p the target may hold (unless p was a Create pending when
//     the rename came, see TestSubtrees).
//   - A Move that loses its rename leaves a delete of its From, placed where
//     the move was; Rescan + Move y->p is a Rescan of p and a delete of y.
func TestMergeTable(t *testing.T) {
	ops := []event.Op{event.Create, event.Modify, event.Attrib, event.Delete, event.Move, event.Rescan}
	type pair struct{ x, y event.Op }
	// want[isDir][pair]; nil means nothing is left.
	want := map[bool]map[pair][]event.Event{false: {}, true: {}}
	for _, d := range []bool{false, true} {
		f := file
		m := mv
		if d {
			f, m = dir, mvdir
		}
		w := want[d]
		sync := f(event.Modify, "p")
		if d {
			sync = dir(event.Rescan, "p")
		}
		for _, y := range []event.Op{event.Create, event.Modify, event.Attrib} {
			w[pair{event.Create, y}] = []event.Event{f(event.Create, "p")}
			w[pair{event.Modify, y}] = []event.Event{f(event.Modify, "p")}
			w[pair{event.Attrib, y}] = []event.Event{f(event.Modify, "p")}
			w[pair{event.Delete, y}] = []event.Event{sync}
			w[pair{event.Move, y}] = []event.Event{m("x", "p")}
			w[pair{event.Rescan, y}] = []event.Event{dir(event.Rescan, "p")}
		}
		w[pair{event.Attrib, event.Attrib}] = []event.Event{f(event.Attrib, "p")}
		w[pair{event.Create, event.Delete}] = nil
		for _, x := range []event.Op{event.Modify, event.Attrib, event.Delete} {
			w[pair{x, event.Delete}] = []event.Event{f(event.Delete, "p")}
		}
		w[pair{event.Move, event.Delete}] = []event.Event{f(event.Delete, "x"), f(event.Delete, "p")}
		w[pair{event.Rescan, event.Delete}] = []event.Event{dir(event.Rescan, "p")}
		for _, x := range []event.Op{event.Create, event.Modify, event.Attrib, event.Delete} {
			w[pair{x, event.Move}] = []event.Event{m("y", "p")}
		}
		w[pair{event.Move, event.Move}] = []event.Event{f(event.Delete, "x"), m("y", "p")}
		w[pair{event.Rescan, event.Move}] = []event.Event{dir(event.Rescan, "p"), f(event.Delete, "y")}
		if d {
			// A directory rename onto a pending Rescan syncs the whole subtree.
			w[pair{event.Rescan, event.Move}] = []event.Event{f(event.Delete, "y"), dir(event.Rescan, "p")}
		}
		for _, x := range ops {
			w[pair{x, event.Rescan}] = []event.Event{dir(event.Rescan, "p")}
		}
		w[pair{event.Move, event.Rescan}] = []event.Event{f(event.Delete, "x"), dir(event.Rescan, "p")}
	}
	for _, isDir := range []bool{false, true} {
		for _, x := range ops {
			for _, y := range ops {
				name := fmt.Sprintf("%v+%v", x, y)
				if isDir {
					name = "dir:" + name
				}
				t.Run(name, func(t *testing.T) {
					q := New(Options{})
					pushAll(t, q, pairEvent(x, "x", isDir), pairEvent(y, "y", isDir))
					w, ok := want[isDir][pair{x, y}]
					if !ok {
						t.Fatalf("no expectation for %s", name)
					}
					sameEvents(t, name, q.Drain(), w)
				})
			}
		}
	}
}

// pairEvent is op at "p"; a Move comes from "from", a Rescan is always of a
// directory.
func pairEvent(op event.Op, from string, isDir bool) event.Event {
	ev := event.Event{Op: op, Path: "p", IsDir: isDir || op == event.Rescan}
	if op == event.Move {
		ev.From = from
	}
	return ev
}

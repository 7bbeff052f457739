package queue

import (
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/event"
)

// TestSubtrees covers what directory deletes, moves and rescans do to the
// entries pending below them, and chains of moves.
func TestSubtrees(t *testing.T) {
	C, M, A, D, R := event.Create, event.Modify, event.Attrib, event.Delete, event.Rescan
	tests := []struct {
		name string
		push []event.Event
		want []event.Event
	}{
		{"dir delete drops what is below it",
			[]event.Event{dir(A, "d"), file(M, "d/f"), file(C, "d/g"), dir(C, "d/e"), file(C, "d/e/f"), dir(D, "d")},
			[]event.Event{dir(D, "d")}},
		{"a new dir and its contents deleted leave nothing",
			[]event.Event{dir(C, "d"), file(C, "d/f"), dir(C, "d/e"), file(M, "d/e/f"), file(D, "d/e/f"), dir(D, "d/e"), dir(D, "d")},
			nil},
		{"dir delete keeps an older move out of it, which goes first",
			[]event.Event{mv("d/f", "g"), dir(D, "d")},
			[]event.Event{mv("d/f", "g"), dir(D, "d")}},
		{"dir delete turns a move into it into a delete of its source",
			[]event.Event{mv("z", "d/f"), dir(D, "d")},
			[]event.Event{file(D, "z"), dir(D, "d")}},
		{"dir move re-keys what is below it, after the move",
			[]event.Event{file(M, "a/f"), file(C, "a/g"), mv("a/h", "a/i"), mv("z", "a/j"), dir(A, "a/e"), mvdir("a", "b")},
			[]event.Event{mvdir("a", "b"), file(M, "b/f"), file(C, "b/g"), mv("b/h", "b/i"), mv("z", "b/j"), dir(A, "b/e")}},
		// A rename replaces only an empty directory: a change below b
		// that says something is there came with a (the watcher named it
		// at b early; torture seed 135088), and is synced after the move.
		{"dir move drops what was pending below its target, but by-state changes",
			[]event.Event{file(M, "b/f"), file(D, "b/g"), mv("z", "b/h"), mvdir("a", "b")},
			[]event.Event{file(D, "z"), mvdir("a", "b"), file(M, "b/f")}},
		{"a create reported at a directory's new name before the rename that took it there",
			[]event.Event{mvdir("m", "b"), mvdir("b", "o"), file(C, "b/x"), mvdir("o", "b")},
			[]event.Event{mvdir("m", "b"), file(C, "b/x"), dir(D, "o")}},
		{"nested dir moves",
			[]event.Event{file(M, "a/b/f"), mvdir("a/b", "a/c"), mvdir("a", "x"), file(M, "x/c/g")},
			[]event.Event{mvdir("a", "x"), mvdir("x/b", "x/c"), file(M, "x/c/f"), file(M, "x/c/g")}},
		{"a new dir moved is a new dir at its new name",
			[]event.Event{dir(C, "tmp"), file(C, "tmp/f"), dir(C, "tmp/e"), file(C, "tmp/e/g"), mvdir("tmp", "final")},
			[]event.Event{dir(C, "final"), file(C, "final/f"), dir(C, "final/e"), file(C, "final/e/g")}},
		{"move chain a->b->c, deleting the b the first rename may have overwritten",
			[]event.Event{mv("a", "b"), mv("b", "c")},
			[]event.Event{mv("a", "c"), file(D, "b")}},
		{"create, move, delete leaves the delete of what the rename may have overwritten",
			[]event.Event{file(C, "a"), mv("a", "b"), file(D, "b")},
			[]event.Event{file(D, "b")}},
		{"create, move onto a new path, delete leaves nothing",
			[]event.Event{file(C, "b"), file(C, "a"), mv("a", "b"), file(D, "b")},
			nil},
		{"move then delete of the target leaves the delete of the source",
			[]event.Event{file(C, "b"), mv("a", "b"), file(D, "b")},
			[]event.Event{file(D, "a")}},
		{"delete a, then move b->a",
			[]event.Event{file(D, "a"), mv("b", "a")},
			[]event.Event{mv("b", "a")}},
		{"a new file over a moved-away one: the move goes first",
			[]event.Event{mv("a", "b"), file(C, "a")},
			[]event.Event{mv("a", "b"), file(C, "a")}},
		{"rescan absorbs what is below it but not moves out of it",
			[]event.Event{file(M, "d/f"), file(C, "d/g"), mv("d/h", "x"), mv("y", "d/i"), dir(D, "d/e"), dir(R, "d")},
			[]event.Event{mv("d/h", "x"), file(D, "y"), dir(R, "d")}},
		{"rescan of the root absorbs everything",
			[]event.Event{file(M, "f"), dir(C, "d"), file(C, "d/g"), mv("a", "b"), dir(R, "")},
			[]event.Event{dir(R, "")}},
		{"events below a pending rescan follow it",
			[]event.Event{dir(R, "d"), file(C, "d/f")},
			[]event.Event{dir(R, "d"), file(C, "d/f")}},
		{"a dir deleted and made again is rescanned",
			[]event.Event{file(M, "d/f"), dir(D, "d"), dir(C, "d"), file(C, "d/g")},
			[]event.Event{dir(R, "d"), file(C, "d/g")}},
		{"a file replaced by a dir",
			[]event.Event{file(M, "p"), file(D, "p"), dir(C, "p"), file(C, "p/f")},
			[]event.Event{dir(R, "p"), file(C, "p/f")}},
		{"a move that relied on a dropped move is synced instead",
			[]event.Event{mvdir("b", "a"), mvdir("a/a", "b"), dir(D, "a")},
			[]event.Event{dir(D, "a"), dir(R, "b")}},
		{"a dir rename that would re-key a move past an older move out of the dir is synced instead",
			[]event.Event{mv("a/d/f", "a/g"), mvdir("a/d", "out"), mvdir("a", "c")},
			[]event.Event{mvdir("a/d", "out"), dir(D, "a"), file(R, "out/f"), dir(R, "c")}},
		{"a file replacing a dir is a Modify that keeps the older move out of it first",
			[]event.Event{mv("p/f", "g"), dir(D, "p"), file(C, "p")},
			[]event.Event{mv("p/f", "g"), file(M, "p")}},
		{"a dir moved out of a dir that is then rescanned is synced where it went",
			[]event.Event{dir(R, "d"), mvdir("d/e", "x")},
			[]event.Event{dir(R, "d"), dir(D, "d/e"), dir(R, "x")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := New(Options{})
			pushAll(t, q, tc.push...)
			sameEvents(t, tc.name, q.Drain(), tc.want)
		})
	}
}

// TestRequeue covers events a sink reports as Retry.
func TestRequeue(t *testing.T) {
	C, M, D, R := event.Create, event.Modify, event.Delete, event.Rescan
	tests := []struct {
		name      string
		push      []event.Event // pushed, then taken as one batch
		meanwhile []event.Event // pushed while that batch is in flight
		retry     []event.Event // requeued, then the batch is done
		want      []event.Event // drained
		attempts  map[string]int
	}{
		{name: "requeued Delete + pending Create = Modify",
			push: []event.Event{file(D, "p")}, meanwhile: []event.Event{file(C, "p")},
			retry: []event.Event{file(D, "p")}, want: []event.Event{file(M, "p")}, attempts: map[string]int{"p": 1}},
		{name: "requeued Modify + pending Delete = Delete",
			push: []event.Event{file(M, "p")}, meanwhile: []event.Event{file(D, "p")},
			retry: []event.Event{file(M, "p")}, want: []event.Event{file(D, "p")}},
		{name: "requeued Move a->b + pending Modify b = Move a->b",
			push: []event.Event{mv("a", "b")}, meanwhile: []event.Event{file(M, "b")},
			retry: []event.Event{mv("a", "b")}, want: []event.Event{mv("a", "b")}, attempts: map[string]int{"b": 1}},
		{name: "a requeued Create may be on the target: a pending Delete stays",
			push: []event.Event{file(C, "p")}, meanwhile: []event.Event{file(D, "p")},
			retry: []event.Event{file(C, "p")}, want: []event.Event{file(D, "p")}},
		{name: "a requeued dir Create keeps its place before what arrived below it",
			push: []event.Event{dir(C, "d")}, meanwhile: []event.Event{file(C, "d/f")},
			retry: []event.Event{dir(C, "d")}, want: []event.Event{dir(C, "d"), file(C, "d/f")}},
		{name: "a requeued move keeps its place before a new file at its source",
			push: []event.Event{mv("a", "b")}, meanwhile: []event.Event{file(C, "a")},
			retry: []event.Event{mv("a", "b")}, want: []event.Event{mv("a", "b"), file(C, "a")}},
		{name: "a requeued event below a newer dir delete is dropped",
			push: []event.Event{file(M, "d/f")}, meanwhile: []event.Event{dir(D, "d")},
			retry: []event.Event{file(M, "d/f")}, want: []event.Event{dir(D, "d")}},
		{name: "a requeued move below a newer dir delete leaves the delete of its source",
			push: []event.Event{mv("z", "d/f")}, meanwhile: []event.Event{dir(D, "d")},
			retry: []event.Event{mv("z", "d/f")}, want: []event.Event{file(D, "z"), dir(D, "d")}},
		{name: "a requeued event renamed away meanwhile is dropped",
			push: []event.Event{file(M, "p")}, meanwhile: []event.Event{mv("p", "q"), file(C, "p")},
			retry: []event.Event{file(M, "p")}, want: []event.Event{mv("p", "q"), file(C, "p")}},
		{name: "a requeued Rescan is a new one",
			push: []event.Event{dir(R, "d")}, meanwhile: []event.Event{file(C, "d/f")},
			retry: []event.Event{dir(R, "d")}, want: []event.Event{dir(R, "d")}},
		{name: "a requeued move whose source a later rename of its batch carried along is synced where it may be",
			push:  []event.Event{mv("d/f", "g"), mvdir("d", "e")},
			retry: []event.Event{mv("d/f", "g")}, want: []event.Event{file(R, "g"), file(R, "d/f"), file(R, "e/f")}},
		{name: "a requeued move that a later event of its batch overtook is synced by state",
			push:  []event.Event{mv("a", "b"), file(C, "a")},
			retry: []event.Event{mv("a", "b")}, want: []event.Event{file(R, "b"), file(R, "a")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := New(Options{})
			pushAll(t, q, tc.push...)
			b := q.Take(t0.Add(100))
			sameEvents(t, "batch", b, tc.push)
			for _, ev := range tc.meanwhile {
				q.Push(ev, t0.Add(200))
			}
			for _, ev := range tc.retry {
				if n := q.Attempts(ev.Path); n != 0 {
					t.Errorf("Attempts(%q) before Requeue = %d, want 0", ev.Path, n)
				}
				q.Requeue(ev, t0.Add(300))
			}
			q.Done(b)
			mustCheck(t, q)
			for p, n := range tc.attempts {
				if got := q.Attempts(p); got != n {
					t.Errorf("Attempts(%q) = %d, want %d", p, got, n)
				}
			}
			sameEvents(t, tc.name, q.Drain(), tc.want)
		})
	}
}

// TestRequeueAttempts: the count grows with each Requeue, is readable
// between Take and Requeue, and the larger one wins a merge.
func TestRequeueAttempts(t *testing.T) {
	q := New(Options{})
	q.Push(file(event.Modify, "p"), t0)
	for i := 0; i < 3; i++ {
		now := t0.Add(time.Duration(i+1) * time.Hour)
		b := q.Take(now)
		sameEvents(t, "batch", b, []event.Event{file(event.Modify, "p")})
		if got := q.Attempts("p"); got != i {
			t.Fatalf("round %d: Attempts in flight = %d, want %d", i, got, i)
		}
		q.Requeue(b[0], now)
		q.Done(b)
		if got := q.Attempts("p"); got != i+1 {
			t.Fatalf("round %d: Attempts pending = %d, want %d", i, got, i+1)
		}
	}
	b := q.Take(t0.Add(10 * time.Hour))
	q.Push(file(event.Modify, "p"), t0.Add(10*time.Hour)) // a fresh change: 0 attempts
	q.Requeue(b[0], t0.Add(10*time.Hour))
	q.Done(b)
	if got := q.Attempts("p"); got != 4 {
		t.Fatalf("merged Attempts = %d, want 4", got)
	}
	// A Requeue after Done has lost the in-flight record: it counts as a
	// new change with one more attempt than what is pending.
	b = q.Take(t0.Add(20 * time.Hour))
	q.Done(b)
	q.Requeue(b[0], t0.Add(20*time.Hour))
	if got := q.Attempts("p"); got != 1 {
		t.Fatalf("late Requeue Attempts = %d, want 1", got)
	}
	mustCheck(t, q)
}

// TestDuplicateCreateAfterItLanded: a new directory's scan and the kernel
// may both report a file as created. If the first Create was applied
// before the second arrives, the target holds the file, so a Delete after
// the duplicate must stay a Delete rather than cancel it into nothing.
func TestDuplicateCreateAfterItLanded(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	q := New(Options{})
	q.Push(file(event.Create, "d/f"), t0)
	b := q.Take(t0)
	if len(b) != 1 {
		t.Fatalf("Take = %v, want the Create", b)
	}
	q.Done(b)
	q.Push(file(event.Create, "d/f"), t0) // the duplicate
	q.Push(file(event.Delete, "d/f"), t0)
	if got := q.Drain(); len(got) != 1 || got[0].Op != event.Delete || got[0].Path != "d/f" {
		t.Fatalf("pending after landed Create, duplicate Create, Delete = %v; want Delete d/f", got)
	}

	// A Create that never landed still vanishes with its Delete.
	q.Push(file(event.Create, "new"), t0)
	q.Push(file(event.Delete, "new"), t0)
	if got := q.Drain(); len(got) != 0 {
		t.Fatalf("pending after Create, Delete of a new path = %v; want nothing", got)
	}
}

// TestLandedCreatesAreBounded: the set of recently landed Creates keeps
// only the newest recentCreates paths.
func TestLandedCreatesAreBounded(t *testing.T) {
	defer func(n int) { recentCreates = n }(recentCreates)
	recentCreates = 4
	q := New(Options{})
	for i := range 10 {
		q.rememberCreate(string(rune('a' + i)))
	}
	if len(q.landed) != 4 {
		t.Fatalf("landed holds %d paths, want 4", len(q.landed))
	}
	for _, p := range []string{"g", "h", "i", "j"} {
		if _, ok := q.landed[p]; !ok {
			t.Errorf("newest path %q was evicted", p)
		}
	}
}

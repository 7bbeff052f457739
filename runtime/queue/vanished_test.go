package queue

import (
	"slices"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/event"
)

// TestExplained: a path taken and found gone from the source is explained
// by what arrived since: a change at it, a move away from it, or a change
// of a directory above it that reaches below. Anything else, or nothing,
// leaves it unexplained.
func TestExplained(t *testing.T) {
	taken := file(event.Create, "a/f")
	for _, c := range []struct {
		name  string
		since []event.Event
		want  bool
	}{
		{"nothing since", nil, false},
		{"its delete", []event.Event{file(event.Delete, "a/f")}, true},
		{"a move away", []event.Event{mv("a/f", "b")}, true},
		{"its directory renamed", []event.Event{mvdir("a", "c")}, true},
		{"its directory deleted", []event.Event{dir(event.Delete, "a")}, true},
		{"a rescan above", []event.Event{dir(event.Rescan, "")}, true},
		{"an unrelated change", []event.Event{file(event.Modify, "x"), file(event.Create, "a/g")}, false},
		{"its directory's mode", []event.Event{dir(event.Attrib, "a")}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			q := New(Options{})
			q.Push(taken, t0)
			b := q.Take(t0.Add(time.Hour))
			if len(b) != 1 {
				t.Fatalf("took %v", b)
			}
			pushAll(t, q, c.since...)
			if got := q.Explained(taken); got != c.want {
				t.Errorf("Explained = %v, want %v (queue: %v)", got, c.want, q.Drain())
			}
		})
	}
}

// TestMoveUnderInFlightWorkIsNotANewDirectory: a directory made and then
// renamed into a directory whose Rescan is in flight may already be on the
// target, copied by that Rescan, with whatever it held then. So the move
// does not become a Create of the new name (which would let later deletes
// and moves below it vanish as if the target never had them): the new
// name is rescanned.
func TestMoveUnderInFlightWorkIsNotANewDirectory(t *testing.T) {
	q := New(Options{})
	q.Push(dir(event.Rescan, "p"), t0)
	if b := q.Take(t0.Add(time.Hour)); len(b) != 1 {
		t.Fatalf("took %v", b)
	}
	pushAll(t, q,
		dir(event.Create, "x"), file(event.Create, "x/f"), file(event.Create, "x/g"),
		mvdir("x", "p/d"), mv("p/d/f", "q/f"), file(event.Delete, "p/d/g"))
	got := q.Drain()
	if !slices.ContainsFunc(got, func(ev event.Event) bool {
		return (ev.Op == event.Rescan || ev.Op == event.Delete) && event.Within("p/d", ev.Path)
	}) {
		t.Errorf("nothing clears p/d on the target: %v", got)
	}
}

// TestCreatesBelowADirectoryInFlight: a file still pending when its new
// directory's Create is taken may reach the target with it (sent with its
// directory's contents), so its delete is kept, not dropped as if the
// target never had it.
func TestCreatesBelowADirectoryInFlight(t *testing.T) {
	q := New(Options{BatchFiles: 1})
	pushAll(t, q, dir(event.Create, "d"), file(event.Create, "d/f"))
	if b := q.Take(t0.Add(time.Hour)); len(b) != 1 || b[0].Path != "d" {
		t.Fatalf("took %v, want the directory alone", b)
	}
	q.Push(file(event.Delete, "d/f"), t0.Add(time.Hour))
	got := q.Drain()
	if !slices.ContainsFunc(got, func(ev event.Event) bool { return ev.Op == event.Delete && ev.Path == "d/f" }) {
		t.Errorf("the delete of d/f vanished: %v", got)
	}
}

// TestMovesBelowADirectoryInFlight: a file moved into a new directory
// whose Create is in flight (the rsync sink sends it whole, with the file)
// and then deleted is deleted on the target (torture seed 76934, ssh/disk:
// the move counted the target as empty there, and the delete vanished).
func TestMovesBelowADirectoryInFlight(t *testing.T) {
	q := New(Options{BatchFiles: 1})
	now := t0.Add(time.Hour)
	pushAll(t, q, file(event.Create, "a/l"))
	b1 := q.Take(now)
	pushAll(t, q, dir(event.Create, "c"), file(event.Create, "c/e"), mv("a/l", "c/e"))
	q.Done(b1)
	if b := q.Take(now); len(b) != 1 || b[0].Path != "c" {
		t.Fatalf("took %v, want the directory alone", b)
	}
	pushAll(t, q, file(event.Create, "c/b"), mv("c/b", "c/e"), file(event.Delete, "c/e"))
	got := q.Drain()
	if !slices.ContainsFunc(got, func(ev event.Event) bool { return ev.Op == event.Delete && ev.Path == "c/e" }) {
		t.Errorf("the delete of c/e vanished: %v", got)
	}
}

// TestOverMarksMovesOntoOldDirectories: a directory Move handed out is
// marked Over when the target may still hold an older directory at its
// new name (here: one a pending move is still to take away, as in a swap
// through a temporary name), and not when the name is fresh.
func TestOverMarksMovesOntoOldDirectories(t *testing.T) {
	for _, c := range []struct {
		name string
		evs  []event.Event
		want bool
	}{
		{"a fresh name", []event.Event{mvdir("c", "b")}, false},
		{"a swap through a temporary name", []event.Event{mvdir("b", "tmp"), mvdir("c", "b"), mvdir("tmp", "c")}, true},
		// Torture seed 868977 (daemon/disk): the swap's moves are dropped
		// for a delete of the old b, and the move onto b replaces that
		// delete; the target still holds the old b.
		{"a swap, then b moved away and another moved onto it",
			[]event.Event{mvdir("b", "tmp"), mvdir("c", "b"), mvdir("tmp", "c"), mvdir("b", "d"), mvdir("e", "b")}, true},
		{"onto a directory with older changes pending below it",
			[]event.Event{file(event.Modify, "b/f"), file(event.Delete, "b/f"), mvdir("c", "b")}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			q := New(Options{})
			pushAll(t, q, c.evs...)
			var over, seen bool
			for b := q.Take(t0.Add(time.Hour)); len(b) > 0; b = q.Take(t0.Add(time.Hour)) {
				for _, ev := range b {
					if ev.Op == event.Move && ev.Path == "b" {
						over, seen = ev.Over, true
					}
				}
				q.Done(b)
			}
			if seen && over != c.want {
				t.Errorf("the move to b: Over = %v, want %v", over, c.want)
			}
			if !seen && c.want {
				t.Errorf("no move to b was handed out (degraded?), nothing to check")
			}
		})
	}
}

// A file renamed in from outside the tree may have replaced one the target
// holds: its Create carries MayExist, and moving or deleting it must still
// clear the old path. Torture seed 196276 (daemon/tmpfs): a symlink synced
// at startup was replaced by a rename from a directory not watched yet,
// then renamed away; the Create + Move became a Create of the new name
// alone, and the old symlink stayed on the target.
func TestMovedInCreateMayReplace(t *testing.T) {
	for _, c := range []struct {
		name       string
		mayExist   bool
		then       event.Event
		wantClears bool
	}{
		{"moved away", true, event.Event{Op: event.Move, From: "l", Path: "r"}, true},
		{"deleted", true, event.Event{Op: event.Delete, Path: "l"}, true},
		{"a certain create moved away", false, event.Event{Op: event.Move, From: "l", Path: "r"}, false},
		{"a certain create deleted", false, event.Event{Op: event.Delete, Path: "l"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			q := New(Options{})
			pushAll(t, q, event.Event{Op: event.Create, Path: "l", MayExist: c.mayExist}, c.then)
			clears := false
			for b := q.Take(t0.Add(time.Hour)); len(b) > 0; b = q.Take(t0.Add(time.Hour)) {
				for _, ev := range b {
					clears = clears || ev.Path == "l" && (ev.Op == event.Delete || ev.Op == event.Rescan) ||
						ev.Op == event.Move && ev.From == "l"
				}
				q.Done(b)
			}
			if clears != c.wantClears {
				t.Errorf("the old path l is cleared on the target: %v, want %v", clears, c.wantClears)
			}
		})
	}
}

// A directory created while a full sync is in flight may have been copied
// by it with a file since moved away (torture seed 282910, local/tmpfs):
// it is handed out as a Rescan, which clears that, not as a Create.
func TestDirCreatedDuringAFullSync(t *testing.T) {
	for _, inFlight := range []bool{true, false} {
		q := New(Options{})
		if inFlight {
			pushAll(t, q, event.Event{Op: event.Rescan, Path: "", IsDir: true})
			if b := q.Take(t0.Add(time.Hour)); len(b) != 1 || b[0].Op != event.Rescan {
				t.Fatalf("take = %v, want the full sync", b)
			}
		}
		pushAll(t, q, event.Event{Op: event.Create, Path: "w/c", IsDir: true})
		want := event.Create
		if inFlight {
			want = event.Rescan
		}
		b := q.Take(t0.Add(time.Hour))
		if inFlight && len(b) == 0 {
			continue // it waits for the full sync: what it becomes is checked below
		}
		if len(b) != 1 || b[0].Op != want || b[0].Path != "w/c" {
			t.Errorf("full sync in flight %v: take = %v, want %v w/c", inFlight, b, want)
		}
	}
	// The same, with the full sync done before the directory's turn.
	q := New(Options{})
	pushAll(t, q, event.Event{Op: event.Rescan, Path: "", IsDir: true})
	full := q.Take(t0.Add(time.Hour))
	pushAll(t, q, event.Event{Op: event.Create, Path: "w/c", IsDir: true})
	q.Done(full)
	if b := q.Take(t0.Add(2 * time.Hour)); len(b) != 1 || b[0].Op != event.Rescan {
		t.Errorf("after the full sync: take = %v, want Rescan w/c", b)
	}
}

// The same under an action sync's full sync, narrowed by a Scope that
// skips nothing (it has no Skip function): no crash, and a Rescan.
func TestDirCreatedDuringANarrowedFullSync(t *testing.T) {
	q := New(Options{})
	pushAll(t, q, event.Event{Op: event.Rescan, Path: "", IsDir: true, Scope: &event.Scope{}})
	full := q.Take(t0.Add(time.Hour))
	if len(full) != 1 {
		t.Fatalf("take = %v", full)
	}
	pushAll(t, q, event.Event{Op: event.Create, Path: "w/c", IsDir: true})
	q.Done(full)
	if b := q.Take(t0.Add(2 * time.Hour)); len(b) != 1 || b[0].Op != event.Rescan {
		t.Errorf("take = %v, want Rescan w/c", b)
	}
}

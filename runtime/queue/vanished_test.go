package queue

import (
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

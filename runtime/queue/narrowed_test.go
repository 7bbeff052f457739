package queue

import (
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/event"
)

// skipsCache is a scheduled full sync's own exclude: /cache/ and what is in it.
var skipsCache = &event.Scope{
	Patterns: []string{"- /cache/"},
	Skip:     func(rel string, _ bool) bool { return event.Within(rel, "cache") },
}

func narrowed(s *event.Scope) event.Event {
	return event.Event{Op: event.Rescan, Path: "", IsDir: true, Scope: s}
}

// TestNarrowedRescan: a Rescan of the root narrowed by a Scope (a scheduled
// full sync with excludes of its own) applies neither what its scope skips
// nor anything it did not see, so it must not take the place of a live
// change the way a plain Rescan does.
func TestNarrowedRescan(t *testing.T) {
	C, M, D, R := event.Create, event.Modify, event.Delete, event.Rescan
	later := t0.Add(time.Hour)

	t.Run("absorbs nothing pending below it", func(t *testing.T) {
		q := New(Options{})
		pushAll(t, q, file(M, "cache/f"), file(C, "g"), mv("a", "b"), narrowed(skipsCache))
		sameEvents(t, "batch", take(t, q, later),
			[]event.Event{file(M, "cache/f"), file(C, "g"), mv("a", "b"), narrowed(skipsCache)})
	})
	t.Run("a pending plain rescan of the root stays; the narrowed one is dropped", func(t *testing.T) {
		q := New(Options{})
		pushAll(t, q, dir(R, ""), narrowed(skipsCache))
		sameEvents(t, "pending", q.Drain(), []event.Event{dir(R, "")})
	})
	t.Run("a plain rescan of the root absorbs a pending narrowed one", func(t *testing.T) {
		q := New(Options{})
		pushAll(t, q, file(M, "cache/f"), narrowed(skipsCache), dir(R, ""))
		sameEvents(t, "pending", q.Drain(), []event.Event{dir(R, "")})
	})
	t.Run("a second narrowed rescan while one is pending is not stacked", func(t *testing.T) {
		q := New(Options{})
		other := &event.Scope{Skip: func(string, bool) bool { return false }}
		pushAll(t, q, narrowed(skipsCache), narrowed(other))
		sameEvents(t, "pending", q.Drain(), []event.Event{narrowed(skipsCache)})
	})
	t.Run("a change of the root itself merges into it", func(t *testing.T) {
		q := New(Options{})
		pushAll(t, q, dir(event.Attrib, ""), narrowed(skipsCache), dir(M, ""))
		sameEvents(t, "pending", q.Drain(), []event.Event{narrowed(skipsCache)})
	})
	t.Run("only a rescan of the root is narrowed", func(t *testing.T) {
		q := New(Options{})
		pushAll(t, q, file(M, "d/f"), event.Event{Op: R, Path: "d", IsDir: true, Scope: skipsCache})
		sameEvents(t, "pending", q.Drain(), []event.Event{dir(R, "d")})
	})
	t.Run("changes below it that come later wait for it", func(t *testing.T) {
		q := New(Options{})
		pushAll(t, q, narrowed(skipsCache), file(C, "cache/f"), file(M, "g"))
		sameEvents(t, "first batch", take(t, q, later), []event.Event{narrowed(skipsCache), file(C, "cache/f"), file(M, "g")})
	})
	t.Run("a change in flight below it is not superseded", func(t *testing.T) {
		q := New(Options{})
		pushAll(t, q, file(M, "cache/f"))
		b := take(t, q, later)
		q.Push(narrowed(skipsCache), later)
		q.Requeue(file(M, "cache/f"), later)
		q.Done(b)
		mustCheck(t, q)
		// A requeued file-level change goes to the end (see Requeue).
		sameEvents(t, "pending", q.Drain(), []event.Event{narrowed(skipsCache), file(M, "cache/f")})
	})
	t.Run("a file it may have copied is deleted when its create vanishes", func(t *testing.T) {
		// f's Create waits (written again), the narrowed Rescan goes first
		// and copies f; f's delete must then reach the target.
		q := New(Options{Delay: 10 * time.Second})
		q.Push(file(C, "f"), t0)
		q.Push(narrowed(skipsCache), t0.Add(time.Second))
		q.Push(file(M, "f"), t0.Add(5*time.Second))
		b := take(t, q, t0.Add(11*time.Second))
		sameEvents(t, "first batch", b, []event.Event{narrowed(skipsCache)})
		q.Push(file(D, "f"), t0.Add(12*time.Second))
		q.Done(b)
		mustCheck(t, q)
		sameEvents(t, "pending", q.Drain(), []event.Event{file(D, "f")})
	})
	t.Run("it does not clear the old name of a dropped move", func(t *testing.T) {
		// The move's rename no longer happens, so the target's cache/a
		// needs a delete of its own: the narrowed rescan leaves it alone.
		q := New(Options{})
		pushAll(t, q, mv("cache/a", "x"), narrowed(skipsCache), file(D, "x"))
		sameEvents(t, "pending", q.Drain(), []event.Event{file(D, "cache/a"), narrowed(skipsCache), file(D, "x")})
	})
	t.Run("requeued, it stays narrowed", func(t *testing.T) {
		q := New(Options{})
		pushAll(t, q, narrowed(skipsCache))
		b := take(t, q, later)
		q.Requeue(b[0], later.Add(time.Minute))
		q.Done(b)
		mustCheck(t, q)
		if got := q.Attempts(""); got != 1 {
			t.Errorf("attempts %d, want 1", got)
		}
		sameEvents(t, "pending", q.Drain(), []event.Event{narrowed(skipsCache)})
	})
}

// TestRescanning: whether a Rescan of a path is pending or in flight, which
// a pool asks before it queues a scheduled full sync.
func TestRescanning(t *testing.T) {
	later := t0.Add(time.Hour)
	q := New(Options{})
	if q.Rescanning("") {
		t.Fatal("an empty queue is rescanning")
	}
	pushAll(t, q, file(event.Modify, "f"))
	if q.Rescanning("") {
		t.Fatal("a pending Modify counts as a rescan")
	}
	q.Push(narrowed(skipsCache), later)
	if !q.Rescanning("") {
		t.Fatal("a pending narrowed rescan does not count")
	}
	b := take(t, q, later)
	if !q.Rescanning("") {
		t.Fatalf("a rescan in flight does not count (took %v)", b)
	}
	q.Done(b)
	if q.Rescanning("") {
		t.Fatal("a rescan that is done still counts")
	}
	q.Push(dir(event.Rescan, "d"), later)
	if q.Rescanning("") || !q.Rescanning("d") {
		t.Fatal("a rescan of d is not one of the root, and is one of d")
	}
}

package queue

import (
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/event"
)

// TestLargeFile: lsyncd's batchSizeLimit. A file over LargeFile goes in a
// batch of its own; the smaller changes around it go together, in a batch
// taken first, and what conflicts with a large file still waits for it.
func TestLargeFile(t *testing.T) {
	C, M, D := event.Create, event.Modify, event.Delete
	sized := func(op event.Op, p string, n int64) event.Event { return event.Event{Op: op, Path: p, Size: n} }
	now := t0.Add(time.Hour)

	t.Run("large files go alone, small ones together", func(t *testing.T) {
		q := New(Options{LargeFile: 100})
		pushAll(t, q, sized(M, "a", 10), sized(C, "big1", 500), sized(M, "b", 100), sized(M, "big2", 101),
			file(D, "c"), dir(C, "d"))
		for _, want := range [][]event.Event{
			{sized(M, "a", 10), sized(M, "b", 100), file(D, "c"), dir(C, "d")},
			{sized(C, "big1", 500)},
			{sized(M, "big2", 101)},
		} {
			sameEvents(t, "batch", take(t, q, now), want)
		}
	})
	t.Run("a large file still waits for its parent's create", func(t *testing.T) {
		q := New(Options{LargeFile: 100})
		pushAll(t, q, dir(C, "d"), sized(C, "d/big", 500), sized(M, "b", 1))
		first := take(t, q, now)
		sameEvents(t, "smalls", first, []event.Event{dir(C, "d"), sized(M, "b", 1)})
		if b := take(t, q, now); b != nil {
			t.Fatalf("took %v while its parent's create is in flight", b)
		}
		q.Done(first)
		sameEvents(t, "large", take(t, q, now), []event.Event{sized(C, "d/big", 500)})
	})
	t.Run("off by default", func(t *testing.T) {
		q := New(Options{})
		pushAll(t, q, sized(M, "a", 1), sized(M, "big", 1<<40))
		sameEvents(t, "one batch", take(t, q, now), []event.Event{sized(M, "a", 1), sized(M, "big", 1<<40)})
	})
}

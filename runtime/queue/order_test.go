package queue

import (
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/event"
)

// take calls Take and checks the queue's bookkeeping.
func take(tb testing.TB, q *Queue, now time.Time) event.Batch {
	tb.Helper()
	b := q.Take(now)
	mustCheck(tb, q)
	return b
}

// TestOrder covers which entries wait for which: in one batch, and across
// batches while others are in flight.
func TestOrder(t *testing.T) {
	C, M, D, R := event.Create, event.Modify, event.Delete, event.Rescan
	later := t0.Add(time.Hour)

	t.Run("a dir create comes before its children in one batch", func(t *testing.T) {
		q := New(Options{})
		pushAll(t, q, dir(C, "d"), dir(C, "d/e"), file(C, "d/e/f"), file(C, "d/g"))
		sameEvents(t, "batch", take(t, q, later), []event.Event{dir(C, "d"), dir(C, "d/e"), file(C, "d/e/f"), file(C, "d/g")})
	})
	t.Run("a child waits while its parent's create is in flight", func(t *testing.T) {
		q := New(Options{})
		pushAll(t, q, dir(C, "d"))
		b := take(t, q, later)
		q.Push(file(C, "d/f"), later)
		q.Push(file(C, "x"), later)
		sameEvents(t, "second batch", take(t, q, later), []event.Event{file(C, "x")})
		q.Done(b)
		sameEvents(t, "after Done", take(t, q, later), []event.Event{file(C, "d/f")})
	})
	t.Run("a child waits for an older pending parent that is not ready", func(t *testing.T) {
		q := New(Options{Delay: time.Minute})
		q.Push(dir(C, "d"), t0)
		q.Push(file(C, "d/f"), t0)
		q.Push(dir(C, "d"), t0.Add(time.Minute)) // d changes again: not ready yet
		if b := take(t, q, t0.Add(time.Minute)); b != nil {
			t.Fatalf("took %v before its parent", b)
		}
		sameEvents(t, "later", take(t, q, t0.Add(2*time.Minute)), []event.Event{dir(C, "d"), file(C, "d/f")})
	})
	t.Run("a dir delete waits while something below it is in flight", func(t *testing.T) {
		q := New(Options{})
		pushAll(t, q, file(M, "d/f"))
		b := take(t, q, later)
		q.Push(dir(D, "d"), later)
		if got := take(t, q, later); got != nil {
			t.Fatalf("took %v while d/f is in flight", got)
		}
		if _, ok := q.NextReady(later); ok {
			t.Errorf("NextReady reports work while all of it waits for in-flight work")
		}
		q.Done(b)
		sameEvents(t, "after Done", take(t, q, later), []event.Event{dir(D, "d")})
	})
	t.Run("the same path is never in two batches at once", func(t *testing.T) {
		q := New(Options{})
		pushAll(t, q, file(M, "p"))
		b := take(t, q, later)
		q.Push(file(M, "p"), later)
		if got := take(t, q, later); got != nil {
			t.Fatalf("took %v while p is in flight", got)
		}
		q.Done(b)
		sameEvents(t, "after Done", take(t, q, later), []event.Event{file(M, "p")})
	})
	t.Run("a move waits while its source is in flight", func(t *testing.T) {
		q := New(Options{})
		pushAll(t, q, file(M, "a"))
		b := take(t, q, later)
		q.Push(mv("a", "b"), later)
		if got := take(t, q, later); got != nil {
			t.Fatalf("took %v while a is in flight", got)
		}
		q.Done(b)
		sameEvents(t, "after Done", take(t, q, later), []event.Event{mv("a", "b")})
	})
	t.Run("everything below an in-flight rescan waits", func(t *testing.T) {
		q := New(Options{})
		pushAll(t, q, dir(R, "d"))
		b := take(t, q, later)
		pushAll(t, q, file(C, "d/f"), file(C, "d/e/g"), mvdir("x", "d/y"), file(C, "e"))
		sameEvents(t, "second batch", take(t, q, later), []event.Event{file(C, "e")})
		q.Done(b)
		sameEvents(t, "after Done", take(t, q, later), []event.Event{file(C, "d/f"), file(C, "d/e/g"), mvdir("x", "d/y")})
	})
	t.Run("a file replacing a dir waits for an older move out of it", func(t *testing.T) {
		q := New(Options{Delay: time.Minute})
		q.Push(mv("p/f", "g"), t0)
		q.Push(dir(D, "p"), t0.Add(-time.Hour))
		q.Push(file(C, "p"), t0.Add(-time.Hour)) // ready long before the move
		q.Push(file(M, "g"), t0)                 // which is not ready
		if got := take(t, q, t0.Add(time.Minute-1)); got != nil {
			t.Fatalf("took %v before the older move out of p", got)
		}
		sameEvents(t, "later", take(t, q, t0.Add(time.Minute)), []event.Event{mv("p/f", "g"), file(M, "p")})
	})
	t.Run("a dir rename below an in-flight dir change is synced instead", func(t *testing.T) {
		// The source may turn a into a file before the sink looks at it,
		// and the sink then replaces the target's whole directory.
		q := New(Options{})
		pushAll(t, q, dir(event.Attrib, "a"))
		b := take(t, q, later)
		q.Push(mvdir("a/c", "x"), later)
		q.Push(file(C, "a/d"), later)
		sameEvents(t, "meanwhile", take(t, q, later), []event.Event{dir(R, "x")})
		q.Done(b)
		sameEvents(t, "after Done", take(t, q, later), []event.Event{dir(D, "a/c"), file(C, "a/d")})
	})
	t.Run("a dir rename waits for an older move out of it", func(t *testing.T) {
		q := New(Options{Delay: time.Minute})
		q.Push(mv("a/f", "g"), t0)
		q.Push(mvdir("a", "b"), t0.Add(-time.Hour)) // ready long before the move out
		q.Push(file(M, "g"), t0)                    // and g not ready: the move waits
		if got := take(t, q, t0.Add(time.Minute-1)); got != nil {
			t.Fatalf("took %v before the older move out of it", got)
		}
		sameEvents(t, "later", take(t, q, t0.Add(time.Minute)), []event.Event{mv("a/f", "g"), mvdir("a", "b")})
	})
}

// TestNoOverlap takes many batches from a busy queue without finishing them
// and checks that no two in-flight events ever conflict.
func TestNoOverlap(t *testing.T) {
	q := New(Options{BatchFiles: 3})
	paths := []string{"a", "a/b", "a/b/c", "a/c", "b", "b/a", "c"}
	now := t0
	var flying []event.Batch
	for i := 0; i < 2000; i++ {
		now = now.Add(1)
		p := paths[(i*7)%len(paths)]
		switch i % 5 {
		case 0:
			q.Push(dir(event.Rescan, p), now)
		case 1:
			q.Push(file(event.Modify, p), now)
		case 2:
			q.Push(dir(event.Delete, p), now)
		default:
			q.Push(dir(event.Create, p), now)
		}
		if b := take(t, q, now); b != nil {
			for _, f := range flying {
				for _, x := range f {
					for _, y := range b {
						if conflict(x, y) {
							t.Fatalf("%v taken while %v is in flight", y, x)
						}
					}
				}
			}
			flying = append(flying, b)
		}
		if i%3 == 0 && len(flying) > 0 {
			q.Done(flying[0])
			flying = flying[1:]
		}
	}
}

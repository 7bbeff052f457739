package queue

import (
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/event"
)

// TestReady covers when entries become ready. Times are explicit; nothing
// sleeps.
func TestReady(t *testing.T) {
	M := event.Modify
	const delay = 10 * time.Second

	t.Run("Delay settles: a change at t+delay-1 is not ready at t+delay", func(t *testing.T) {
		q := New(Options{Delay: delay})
		q.Push(file(M, "p"), t0)
		q.Push(file(M, "p"), t0.Add(delay-1))
		if b := take(t, q, t0.Add(delay)); b != nil {
			t.Fatalf("took %v before it settled", b)
		}
		if b := take(t, q, t0.Add(2*delay-2)); b != nil {
			t.Fatalf("took %v one tick early", b)
		}
		sameEvents(t, "settled", take(t, q, t0.Add(2*delay-1)), []event.Event{file(M, "p")})
	})
	t.Run("MaxWait ships a path that never settles", func(t *testing.T) {
		q := New(Options{Delay: delay, MaxWait: 25 * time.Second})
		for s := time.Duration(0); s < 25*time.Second; s += 5 * time.Second {
			q.Push(file(M, "p"), t0.Add(s))
			if b := take(t, q, t0.Add(s)); b != nil {
				t.Fatalf("took %v at +%v", b, s)
			}
		}
		sameEvents(t, "capped", take(t, q, t0.Add(25*time.Second)), []event.Event{file(M, "p")})
	})
	t.Run("a file created open waits for its close-write, then settles", func(t *testing.T) {
		q := New(Options{Delay: delay, MaxWait: time.Minute})
		q.Push(event.Event{Op: event.Create, Path: "p", Open: true}, t0)
		if next, ok := q.NextReady(t0); !ok || !next.Equal(t0.Add(time.Minute)) {
			t.Errorf("NextReady while open = %v, %v; want t0+1m", next, ok)
		}
		if b := take(t, q, t0.Add(2*delay)); b != nil {
			t.Fatalf("took %v before its close", b)
		}
		q.Push(file(M, "p"), t0.Add(3*delay)) // the close-write
		if b := take(t, q, t0.Add(4*delay-1)); b != nil {
			t.Fatalf("took %v before the close settled", b)
		}
		sameEvents(t, "closed", take(t, q, t0.Add(4*delay)), []event.Event{file(event.Create, "p")})
	})
	t.Run("a file created open and never closed ships at MaxWait", func(t *testing.T) {
		q := New(Options{Delay: delay, MaxWait: time.Minute})
		q.Push(event.Event{Op: event.Create, Path: "p", Open: true}, t0)
		q.Push(file(event.Attrib, "p"), t0.Add(delay)) // not a close
		if b := take(t, q, t0.Add(time.Minute-1)); b != nil {
			t.Fatalf("took %v before MaxWait", b)
		}
		sameEvents(t, "capped", take(t, q, t0.Add(time.Minute)), []event.Event{file(event.Create, "p")})
	})
	t.Run("without MaxWait an open file does not wait", func(t *testing.T) {
		q := New(Options{Delay: delay})
		q.Push(event.Event{Op: event.Create, Path: "p", Open: true}, t0)
		sameEvents(t, "settled", take(t, q, t0.Add(delay)), []event.Event{file(event.Create, "p")})
	})
	t.Run("MaxPending makes everything ready", func(t *testing.T) {
		q := New(Options{Delay: time.Hour, MaxPending: 3})
		q.Push(file(M, "a"), t0)
		q.Push(file(M, "b"), t0)
		if b := take(t, q, t0); b != nil {
			t.Fatalf("took %v below MaxPending", b)
		}
		if next, ok := q.NextReady(t0); !ok || !next.Equal(t0.Add(time.Hour)) {
			t.Errorf("NextReady = %v, %v; want t0+1h", next, ok)
		}
		q.Push(file(M, "c"), t0)
		if next, ok := q.NextReady(t0); !ok || !next.Equal(t0) {
			t.Errorf("NextReady at MaxPending = %v, %v; want now", next, ok)
		}
		sameEvents(t, "at MaxPending", take(t, q, t0), []event.Event{file(M, "a"), file(M, "b"), file(M, "c")})
	})
	t.Run("a requeued event waits for notBefore", func(t *testing.T) {
		q := New(Options{Delay: delay})
		q.Push(file(M, "p"), t0)
		b := take(t, q, t0.Add(delay))
		q.Requeue(b[0], t0.Add(time.Minute))
		q.Done(b)
		if next, ok := q.NextReady(t0.Add(delay)); !ok || !next.Equal(t0.Add(time.Minute)) {
			t.Errorf("NextReady = %v, %v; want notBefore", next, ok)
		}
		if b := take(t, q, t0.Add(time.Minute-1)); b != nil {
			t.Fatalf("took %v before notBefore", b)
		}
		sameEvents(t, "at notBefore", take(t, q, t0.Add(time.Minute)), []event.Event{file(M, "p")})
	})
	t.Run("MaxPending does not override notBefore", func(t *testing.T) {
		q := New(Options{MaxPending: 1})
		q.Push(file(M, "p"), t0)
		b := take(t, q, t0)
		q.Requeue(b[0], t0.Add(time.Minute))
		q.Done(b)
		if b := take(t, q, t0); b != nil {
			t.Fatalf("took %v before notBefore", b)
		}
	})
	t.Run("BatchFiles", func(t *testing.T) {
		q := New(Options{BatchFiles: 2})
		pushAll(t, q, file(M, "a"), file(M, "b"), file(M, "c"), file(M, "d"), file(M, "e"))
		now := t0.Add(time.Hour)
		for _, want := range [][]event.Event{{file(M, "a"), file(M, "b")}, {file(M, "c"), file(M, "d")}, {file(M, "e")}} {
			sameEvents(t, "batch", take(t, q, now), want)
		}
	})
	t.Run("BatchBytes, and a bigger event goes alone", func(t *testing.T) {
		q := New(Options{BatchBytes: 10})
		sized := func(p string, n int64) event.Event { return event.Event{Op: M, Path: p, Size: n} }
		pushAll(t, q, sized("a", 4), sized("b", 4), sized("c", 4), sized("d", 50), sized("e", 1))
		now := t0.Add(time.Hour)
		for _, want := range [][]event.Event{{sized("a", 4), sized("b", 4)}, {sized("c", 4)}, {sized("d", 50)}, {sized("e", 1)}} {
			sameEvents(t, "batch", take(t, q, now), want)
		}
	})
	t.Run("Flush makes everything ready at once", func(t *testing.T) {
		q := New(Options{Delay: time.Hour})
		q.Push(file(M, "a"), t0)
		b := take(t, q, t0.Add(time.Hour))
		q.Requeue(b[0], t0.Add(24*time.Hour))
		q.Done(b)
		q.Push(file(M, "b"), t0.Add(time.Hour))
		q.Flush()
		sameEvents(t, "flushed", take(t, q, t0.Add(time.Hour)), []event.Event{file(M, "a"), file(M, "b")})
	})
	t.Run("Drain returns pending events in order and leaves in-flight ones", func(t *testing.T) {
		q := New(Options{})
		pushAll(t, q, file(M, "a"))
		b := take(t, q, t0)
		pushAll(t, q, file(M, "c"), dir(event.Create, "d"), file(M, "a"), file(M, "b"))
		sameEvents(t, "drained", q.Drain(), []event.Event{file(M, "c"), dir(event.Create, "d"), file(M, "a"), file(M, "b")})
		if q.Len() != 0 || q.InFlight() != 1 {
			t.Errorf("after Drain: Len %d InFlight %d, want 0 and 1", q.Len(), q.InFlight())
		}
		q.Done(b)
		mustCheck(t, q)
		if q.InFlight() != 0 {
			t.Errorf("after Done: InFlight %d", q.InFlight())
		}
	})
}

// TestNextReady covers the time the owner should set its timer to.
func TestNextReady(t *testing.T) {
	M := event.Modify
	q := New(Options{Delay: 10 * time.Second, MaxWait: 15 * time.Second})
	if _, ok := q.NextReady(t0); ok {
		t.Fatalf("empty queue reports work")
	}
	q.Push(file(M, "a"), t0)
	q.Push(file(M, "b"), t0.Add(3*time.Second))
	want := func(now, at time.Time) {
		t.Helper()
		if got, ok := q.NextReady(now); !ok || !got.Equal(at) {
			t.Errorf("NextReady(%v) = %v, %v; want %v", now.Sub(t0), got.Sub(t0), ok, at.Sub(t0))
		}
	}
	want(t0, t0.Add(10*time.Second))
	q.Push(file(M, "a"), t0.Add(8*time.Second)) // settles at 18s, capped at 15s
	// a is still filed at 10s: NextReady may be early, and the Take then
	// finds nothing and files a again.
	want(t0, t0.Add(10*time.Second))
	if b := take(t, q, t0.Add(10*time.Second)); b != nil {
		t.Fatalf("took %v at 10s", b)
	}
	want(t0.Add(10*time.Second), t0.Add(13*time.Second)) // b first
	want(t0.Add(20*time.Second), t0.Add(20*time.Second))
	sameEvents(t, "at 13s", take(t, q, t0.Add(13*time.Second)), []event.Event{file(M, "b")})
	want(t0.Add(13*time.Second), t0.Add(15*time.Second))
	b := take(t, q, t0.Add(15*time.Second))
	sameEvents(t, "at 15s", b, []event.Event{file(M, "a")})
	q.Push(file(M, "a"), t0.Add(16*time.Second))
	q.Take(t0.Add(time.Hour)) // parks a behind its in-flight self
	if _, ok := q.NextReady(t0.Add(time.Hour)); ok {
		t.Errorf("NextReady reports work that waits for in-flight work")
	}
	q.Done(b)
	want(t0.Add(time.Hour), t0.Add(time.Hour))
}

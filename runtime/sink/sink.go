package sink

import (
	"context"
	"time"

	"github.com/luasync/luasync/runtime/event"
	"github.com/luasync/luasync/runtime/faillog"
)

// Sink applies batches. Apply is called from several workers at once with
// batches that share no path, and returns one Result per event, in order.
type Sink interface {
	Apply(ctx context.Context, b event.Batch) []event.Result
}

// Preparer is a Sink that can get ready for its next batch before it has
// it: the rsync sink starts its run ahead, so the connection and the
// handshake are done when the batch comes. The pool calls Prepare when it
// holds work it expects to hand out within prepareAhead. Prepare must not
// block on the target.
type Preparer interface {
	Prepare()
}

// Gate holds a pool's batches back while it is shut: a tunnel that is not
// up (package tunnel). Open reports whether batches may start, and returns
// a channel that is closed the next time that may have changed.
type Gate interface {
	Open() (open bool, changed <-chan struct{})
}

// Queue is the per-sink merging queue (implemented by package queue). It is
// not safe for concurrent use; the pool serialises access.
type Queue interface {
	Push(ev event.Event, now time.Time)
	Requeue(ev event.Event, notBefore time.Time)
	Take(now time.Time) event.Batch
	Done(b event.Batch)
	NextReady(now time.Time) (time.Time, bool)
	Len() int
	InFlight() int
	Attempts(path string) int
	Drain() []event.Event
	Flush()
	Explained(ev event.Event) bool
	Rescanning(path string) bool
}

// FailLog is where unapplied events go (implemented by package faillog).
type FailLog interface {
	Append(entries ...faillog.Entry) error
	Compact(sink string, before time.Time) (int, error)
}

// Retry is the backoff policy for events a sink reports as Retry.
type Retry struct {
	Attempts int           // attempts in all before the fail log; < 1 means 1
	Initial  time.Duration // first backoff
	Max      time.Duration // cap
}

// Backoff is the wait before attempt n+1 after n failed attempts (n >= 1):
// Initial doubled n-1 times, capped at Max.
func (r Retry) Backoff(n int) time.Duration {
	d := r.Initial
	for i := 1; i < n && d < r.Max; i++ {
		d *= 2
	}
	if r.Max > 0 && d > r.Max {
		d = r.Max
	}
	return d
}

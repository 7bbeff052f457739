package sink

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/event"
	"github.com/luasync/luasync/runtime/faillog"
	"github.com/luasync/luasync/runtime/queue"
)

// TestFullSyncDone: the pool says how each full sync of the whole tree
// ended, a failed one included, and nothing about other events.
func TestFullSyncDone(t *testing.T) {
	fails, err := faillog.Open(filepath.Join(t.TempDir(), "fail.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer fails.Close()
	s := newScriptedSink()
	s.script[""] = []event.Outcome{event.Retry} // the first full sync fails, the next succeeds
	outcomes := make(chan event.Outcome, 10)
	clock := newManualClock()
	p := NewPool(s, queue.New(queue.Options{}), Options{Name: "test", Clock: clock, FailLog: fails,
		Retry: Retry{Attempts: 3, Initial: time.Second, Max: 4 * time.Second},
		FullSyncDone: func(o event.Outcome, err error) {
			if (o == event.OK) != (err == nil) {
				t.Errorf("FullSyncDone(%v, %v): an error goes with a failure only", o, err)
			}
			outcomes <- o
		}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	defer func() { cancel(); <-done }()

	p.Add(event.Event{Op: event.Create, Path: "a"})
	p.Add(event.Event{Op: event.Rescan, Path: "sub", IsDir: true})
	p.Add(event.Event{Op: event.Rescan, Path: "", IsDir: true})
	if got := next(t, outcomes); got != event.Retry {
		t.Fatalf("first full sync reported %v, want Retry", got)
	}
	for p.Stats().Retried == 0 {
		time.Sleep(time.Millisecond)
	}
	clock.Advance(time.Second)
	if got := next(t, outcomes); got != event.OK {
		t.Fatalf("second full sync reported %v, want OK", got)
	}
	select {
	case o := <-outcomes:
		t.Fatalf("an extra report %v: only root full syncs are reported", o)
	default:
	}
}

func next(t *testing.T, c <-chan event.Outcome) event.Outcome {
	t.Helper()
	select {
	case o := <-c:
		return o
	case <-time.After(30 * time.Second):
		t.Fatal("no full sync reported")
	}
	return 0
}

// TestAddReady: the startup full sync goes at once, however long the
// settle time; an ordinary event waits for it.
func TestAddReady(t *testing.T) {
	s := newScriptedSink()
	f := newFixture(t, s, queue.Options{Delay: time.Hour, MaxWait: time.Hour}, 1)
	f.pool.AddReady(event.Event{Op: event.Rescan, Path: "", IsDir: true})
	f.waitApplied(t, 1)
	f.pool.Add(event.Event{Op: event.Create, Path: "a"})
	f.clock.Advance(time.Minute)
	time.Sleep(50 * time.Millisecond) // a wrong pool would apply it now; a right one cannot be waited for
	if got := f.sink.seen(); len(got) != 1 || got[0][0].Op != event.Rescan {
		t.Fatalf("batches %v: want only the full sync, the create settling for an hour", got)
	}
	f.clock.Advance(time.Hour)
	f.waitApplied(t, 2)
}

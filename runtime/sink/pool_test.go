package sink

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/clock"
	"github.com/luasync/luasync/runtime/event"
	"github.com/luasync/luasync/runtime/faillog"
	"github.com/luasync/luasync/runtime/queue"
)

// scriptedSink records batches and answers per path from a script; a path
// not in the script is OK. If gate is set, Apply waits for it (or ctx).
type scriptedSink struct {
	mu      sync.Mutex
	batches []event.Batch
	script  map[string][]event.Outcome // consumed one answer per attempt
	gate    chan struct{}
	started chan struct{} // one send per Apply call, before the gate
	applied chan struct{}
}

func newScriptedSink() *scriptedSink {
	return &scriptedSink{script: map[string][]event.Outcome{}, started: make(chan struct{}, 1000),
		applied: make(chan struct{}, 1000)}
}

func (s *scriptedSink) Apply(ctx context.Context, b event.Batch) []event.Result {
	s.started <- struct{}{}
	if s.gate != nil {
		select {
		case <-s.gate:
		case <-ctx.Done():
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.batches = append(s.batches, b)
	out := make([]event.Result, len(b))
	for i, ev := range b {
		out[i] = event.Result{Event: ev}
		if ctx.Err() != nil {
			out[i].Outcome, out[i].Err = event.Retry, ctx.Err()
		} else if answers := s.script[ev.Path]; len(answers) > 0 {
			out[i].Outcome, out[i].Err = answers[0], errors.New("scripted")
			s.script[ev.Path] = answers[1:]
		}
	}
	s.applied <- struct{}{}
	return out
}

func (s *scriptedSink) seen() []event.Batch {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]event.Batch(nil), s.batches...)
}

type fixture struct {
	pool   *Pool
	sink   *scriptedSink
	clock  *clock.Manual
	fails  *faillog.Log
	cancel context.CancelFunc
	done   chan error
}

func newFixture(t *testing.T, s *scriptedSink, qopts queue.Options, workers int) *fixture {
	t.Helper()
	return newPacedFixture(t, s, qopts, workers, 0)
}

func newPacedFixture(t *testing.T, s *scriptedSink, qopts queue.Options, workers int, window time.Duration) *fixture {
	t.Helper()
	return startFixture(t, s, qopts, Options{Workers: workers, Window: window})
}

// startFixture runs a pool with opts, a manual clock, a fail log, three
// attempts backing off from 1 s to 4 s, and 10 s of grace.
func startFixture(t *testing.T, s *scriptedSink, qopts queue.Options, opts Options) *fixture {
	t.Helper()
	fails, err := faillog.Open(filepath.Join(t.TempDir(), "fail.log"))
	if err != nil {
		t.Fatal(err)
	}
	clock := newManualClock()
	opts.Name, opts.Clock, opts.FailLog, opts.Grace = "test", clock, fails, 10*time.Second
	opts.Retry = Retry{Attempts: 3, Initial: time.Second, Max: 4 * time.Second}
	p := NewPool(s, queue.New(qopts), opts)
	ctx, cancel := context.WithCancel(context.Background())
	f := &fixture{pool: p, sink: s, clock: clock, fails: fails, cancel: cancel, done: make(chan error, 1)}
	go func() { f.done <- p.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-f.done })
	return f
}

// waitApplied waits for the sink to have applied n batches in all.
func (f *fixture) waitApplied(t *testing.T, n int) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for len(f.sink.seen()) < n {
		select {
		case <-f.sink.applied:
		case <-deadline:
			t.Fatalf("sink applied %d batches, want %d", len(f.sink.seen()), n)
		}
	}
}

// waitRetried waits until the pool has re-queued n events, so that a test
// advances the clock only after the backoff was computed.
func (f *fixture) waitRetried(t *testing.T, n uint64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for f.pool.Stats().Retried < n {
		if time.Now().After(deadline) {
			t.Fatalf("pool retried %d events, want %d", f.pool.Stats().Retried, n)
		}
		time.Sleep(time.Millisecond)
	}
}

func (f *fixture) failed(t *testing.T) []faillog.Entry {
	t.Helper()
	e, _, err := f.fails.Load()
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func modify(p string) event.Event { return event.Event{Op: event.Modify, Path: p} }

// TestPoolBatchesUnderLoad: an idle sink gets an event as soon as it is
// ready; what arrives while the only worker is busy goes out as one batch.
func TestPoolBatchesUnderLoad(t *testing.T) {
	s := newScriptedSink()
	s.gate = make(chan struct{})
	f := newFixture(t, s, queue.Options{}, 1)
	f.pool.Add(modify("first"))
	<-s.started // the only worker is now busy
	for i := range 100 {
		f.pool.Add(modify("later" + string(rune('a'+i%26)) + string(rune('a'+i/26))))
	}
	close(s.gate)
	f.waitApplied(t, 2)
	b := s.seen()
	if len(b[0]) != 1 || b[0][0].Path != "first" {
		t.Fatalf("first batch = %v, want just the first event", b[0])
	}
	if len(b) != 2 || len(b[1]) != 100 {
		t.Fatalf("got %d batches (second of %d events), want the 100 later events in one batch", len(b), len(b[1]))
	}
}

// TestPoolWaitsForTheSettleTime: with a delay, nothing ships until the
// clock passes it.
func TestPoolWaitsForTheSettleTime(t *testing.T) {
	s := newScriptedSink()
	f := newFixture(t, s, queue.Options{Delay: time.Second}, 2)
	f.pool.Add(modify("x"))
	time.Sleep(50 * time.Millisecond) // give a wrong pool the chance to ship early
	if n := len(s.seen()); n != 0 {
		t.Fatalf("applied %d batches before the settle time", n)
	}
	f.clock.Advance(time.Second)
	f.waitApplied(t, 1)
}

// TestPoolPacesBatchesByWindow: after a quiet window a change ships at
// once; within the window changes wait and go together; full batches are
// not held back.
func TestPoolPacesBatchesByWindow(t *testing.T) {
	s := newScriptedSink()
	f := newPacedFixture(t, s, queue.Options{BatchFiles: 10}, 2, time.Second)
	f.pool.Add(modify("a"))
	f.waitApplied(t, 1) // idle: no wait
	f.pool.Add(modify("b"))
	f.pool.Add(modify("c"))
	time.Sleep(50 * time.Millisecond) // give a wrong pool the chance to ship early
	if n := len(s.seen()); n != 1 {
		t.Fatalf("applied %d batches inside the window, want 1", n)
	}
	for i := range 23 {
		f.pool.Add(modify(string(rune('d' + i))))
	}
	f.clock.Advance(time.Second)
	f.waitApplied(t, 4) // 25 ready: 10 and 10 at once, as each was full, then 5
	var sizes []int
	for _, b := range s.seen() {
		sizes = append(sizes, len(b))
	}
	slices.Sort(sizes) // the two workers may finish in either order
	if want := []int{1, 5, 10, 10}; !slices.Equal(sizes, want) {
		t.Fatalf("batch sizes %v, want 1, then 10, 10 and 5", sizes)
	}
	f.pool.Add(modify("z")) // the last batch was not full: wait again
	time.Sleep(50 * time.Millisecond)
	if n := len(s.seen()); n != 4 {
		t.Fatalf("applied %d batches inside the window, want 4", n)
	}
	f.clock.Advance(time.Second)
	f.waitApplied(t, 5)
}

// TestPoolRetriesWithBackoff: a Retry goes back to the queue and is applied
// again once its backoff has passed.
func TestPoolRetriesWithBackoff(t *testing.T) {
	s := newScriptedSink()
	s.script["flaky"] = []event.Outcome{event.Retry, event.Retry}
	f := newFixture(t, s, queue.Options{}, 1)
	f.pool.Add(modify("flaky"))
	f.waitApplied(t, 1)
	f.waitRetried(t, 1)
	f.clock.Advance(time.Second - time.Nanosecond)
	time.Sleep(20 * time.Millisecond) // a wrong pool would retry before the backoff ends
	if n := len(s.seen()); n != 1 {
		t.Fatalf("retried before the backoff ended: %d batches", n)
	}
	f.clock.Advance(time.Nanosecond) // first backoff: Initial
	f.waitApplied(t, 2)
	f.waitRetried(t, 2)
	f.clock.Advance(2 * time.Second) // second: doubled
	f.waitApplied(t, 3)
	deadline := time.Now().Add(30 * time.Second)
	for f.pool.Stats().Applied == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if st := f.pool.Stats(); st.Applied != 1 || st.Retried != 2 || st.Failed != 0 {
		t.Fatalf("stats = %+v, want 1 applied after 2 retries", st)
	}
	if e := f.failed(t); len(e) != 0 {
		t.Fatalf("fail log = %+v, want empty", e)
	}
}

// TestPoolFailLogsWhatItCannotApply: after the retry budget, and at once for
// a Fail, the event is in the fail log (fsynced) and counted.
func TestPoolFailLogsWhatItCannotApply(t *testing.T) {
	s := newScriptedSink()
	s.script["hopeless"] = []event.Outcome{event.Retry, event.Retry, event.Retry}
	s.script["broken"] = []event.Outcome{event.Fail}
	f := newFixture(t, s, queue.Options{}, 1)
	f.pool.Add(modify("hopeless"))
	f.pool.Add(modify("broken"))
	deadline := time.Now().Add(30 * time.Second)
	for len(f.failed(t)) < 2 && time.Now().Before(deadline) {
		f.clock.Advance(time.Second) // the recovery full sync comes 4 s after; look before it
		time.Sleep(10 * time.Millisecond)
	}
	got := map[string]int{}
	for _, e := range f.failed(t) {
		got[e.Event.Path] = e.Attempts
	}
	if got["hopeless"] != 3 || got["broken"] != 1 || len(got) != 2 {
		t.Fatalf("fail log attempts by path = %v, want hopeless:3 broken:1", got)
	}
}

// TestPoolShutdownDrainsPending: events still settling when the pool is
// told to stop are applied during the grace period, not written off.
func TestPoolShutdownDrainsPending(t *testing.T) {
	s := newScriptedSink()
	f := newFixture(t, s, queue.Options{Delay: time.Hour}, 2)
	for _, p := range []string{"a", "b", "c"} {
		f.pool.Add(modify(p))
	}
	f.cancel()
	if err := <-f.done; err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	f.done <- nil // for Cleanup
	if st := f.pool.Stats(); st.Applied != 3 {
		t.Fatalf("applied %d of 3 pending events at shutdown", st.Applied)
	}
	if e := f.failed(t); len(e) != 0 {
		t.Fatalf("fail log = %+v, want empty after a full drain", e)
	}
}

// TestPoolShutdownPersistsAfterGrace: a sink that does not finish within
// the grace period is cancelled; everything not applied is in the fail log
// and Run still returns nil.
func TestPoolShutdownPersistsAfterGrace(t *testing.T) {
	f := stuckPool(t, "pending")
	if err := f.stopPastGrace(); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	got := map[string]bool{}
	for _, e := range f.failed(t) {
		got[e.Event.Path] = true
	}
	if !got["in-flight"] || !got["pending"] {
		t.Fatalf("fail log holds %v; want both the cancelled and the pending event", got)
	}
}

// TestPoolCompactsTheFailLogAfterAFullSync: a root Rescan that succeeds
// covers every older fail log entry of its sink.
func TestPoolCompactsTheFailLogAfterAFullSync(t *testing.T) {
	s := newScriptedSink()
	f := newFixture(t, s, queue.Options{}, 1)
	old := faillog.Entry{Time: f.clock.Now().Add(-time.Hour), Sink: "test", Event: modify("old")}
	other := faillog.Entry{Time: f.clock.Now().Add(-time.Hour), Sink: "another", Event: modify("old")}
	if err := f.fails.Append(old, other); err != nil {
		t.Fatal(err)
	}
	f.pool.Add(event.Event{Op: event.Rescan, IsDir: true})
	f.waitApplied(t, 1)
	deadline := time.Now().Add(30 * time.Second)
	for len(f.failed(t)) != 1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if e := f.failed(t); len(e) != 1 || e[0].Sink != "another" {
		t.Fatalf("fail log after full sync = %+v, want only the other sink's entry", e)
	}
}

func TestBackoffDoublesUpToMax(t *testing.T) {
	r := Retry{Initial: time.Second, Max: 5 * time.Second}
	for n, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 5 * time.Second, 50: 5 * time.Second} {
		if got := r.Backoff(n); got != want {
			t.Errorf("Backoff(%d) = %s, want %s", n, got, want)
		}
	}
}

// TestPoolRecoversWhatItGaveUpOn: once transient failures have sent events
// to the fail log, the pool queues a full sync after Retry.Max; when it
// succeeds (the target is back), the fail log is compacted: a target that
// was down catches up without a restart.
func TestPoolRecoversWhatItGaveUpOn(t *testing.T) {
	s := newScriptedSink()
	s.script["down"] = []event.Outcome{event.Retry, event.Retry, event.Retry}
	f := newFixture(t, s, queue.Options{}, 1)
	f.pool.Add(modify("down"))
	deadline := time.Now().Add(30 * time.Second)
	for len(f.failed(t)) == 0 && time.Now().Before(deadline) {
		f.clock.Advance(time.Second)
		time.Sleep(5 * time.Millisecond)
	}
	if len(f.failed(t)) != 1 {
		t.Fatalf("fail log = %+v, want the event that ran out of retries", f.failed(t))
	}
	for len(f.failed(t)) != 0 && time.Now().Before(deadline) {
		f.clock.Advance(time.Second) // toward Retry.Max (4 s): the recovery full sync
		time.Sleep(5 * time.Millisecond)
	}
	if e := f.failed(t); len(e) != 0 {
		t.Fatalf("fail log after recovery = %+v, want empty", e)
	}
	last := s.seen()[len(s.seen())-1]
	if len(last) != 1 || last[0].Op != event.Rescan || last[0].Path != "" {
		t.Fatalf("last batch = %v, want the recovery full sync", last)
	}
}

// earlyQueue counts Take calls and, like a queue whose timing is early,
// always says something is ready now.
type earlyQueue struct {
	Queue
	takes atomic.Int64
}

func (e *earlyQueue) Take(now time.Time) event.Batch {
	e.takes.Add(1)
	return e.Queue.Take(now)
}

func (e *earlyQueue) NextReady(now time.Time) (time.Time, bool) {
	if e.Queue.Len() > 0 {
		return now, true
	}
	return e.Queue.NextReady(now)
}

// TestPoolDoesNotSpinOnAnEarlyQueue: when the queue says "ready now" but
// Take returns nothing (its NextReady may be early), the pool waits a
// moment before asking again instead of spinning on a zero timer. Before
// this guard the rate200 benchmark spent 0.44 s of luasync CPU per second
// of load; after it, 0.09 s.
func TestPoolDoesNotSpinOnAnEarlyQueue(t *testing.T) {
	fails, err := faillog.Open(filepath.Join(t.TempDir(), "fail.log"))
	if err != nil {
		t.Fatal(err)
	}
	clock := newManualClock()
	q := &earlyQueue{Queue: queue.New(queue.Options{Delay: time.Hour})}
	p := NewPool(newScriptedSink(), q, Options{Name: "test", Workers: 1, Clock: clock, FailLog: fails})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	defer func() { cancel(); <-done }()

	p.Add(event.Event{Op: event.Create, Path: "f"}) // not ready for an hour
	time.Sleep(100 * time.Millisecond)
	if n := q.takes.Load(); n > 10 {
		t.Fatalf("the pool called Take %d times in 100 ms while nothing could be taken: it spins", n)
	}
}

// preparingSink is a scriptedSink that counts Prepare calls.
type preparingSink struct {
	*scriptedSink
	prepared atomic.Int32
}

func (s *preparingSink) Prepare() { s.prepared.Add(1) }

// TestPoolPreparesForADueBatch: a Preparer is told when a batch is due
// soon, and not when the next one is far off.
func TestPoolPreparesForADueBatch(t *testing.T) {
	for _, tt := range []struct {
		delay time.Duration
		want  bool
	}{{100 * time.Millisecond, true}, {time.Second, false}} {
		s := &preparingSink{scriptedSink: newScriptedSink()}
		clock := newManualClock()
		fails, err := faillog.Open(filepath.Join(t.TempDir(), "fail.log"))
		if err != nil {
			t.Fatal(err)
		}
		p := NewPool(s, queue.New(queue.Options{Delay: tt.delay}), Options{Name: "test", Workers: 1, Clock: clock, FailLog: fails})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- p.Run(ctx) }()
		p.Add(modify("x"))
		time.Sleep(50 * time.Millisecond) // the dispatcher looks at the queue
		if got := s.prepared.Load() > 0; got != tt.want {
			t.Errorf("batch due in %v: prepared %v, want %v", tt.delay, got, tt.want)
		}
		clock.Advance(tt.delay)
		select {
		case <-s.applied:
		case <-time.After(30 * time.Second):
			t.Fatal("the batch was not applied")
		}
		cancel()
		<-done
	}
}

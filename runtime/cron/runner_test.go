package cron

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/clock"
)

// newClock is a clock at t0 that tells when the runner sets a timer.
func newClock() *clock.Manual {
	c := clock.NewManual(t0)
	c.Armed = make(chan time.Duration, 16)
	return c
}

// logBuffer is a log sink a test may read while the runner writes.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// sinkJob stands for a sink's full syncs: Start records when it was
// called and refuses while busy is set.
type sinkJob struct {
	clock  *clock.Manual
	busy   bool
	starts []time.Time
	calls  int
}

func (s *sinkJob) start() bool {
	s.calls++
	if s.busy {
		return false
	}
	s.starts = append(s.starts, s.clock.Now())
	return true
}

type harness struct {
	clock *clock.Manual
	run   *Runner
	log   *logBuffer
	wait  time.Duration // the runner's current timer
}

// startRunner runs jobs from t0 and waits until the runner sleeps.
func startRunner(t *testing.T, clock *clock.Manual, jobs ...Job) *harness {
	t.Helper()
	h := &harness{clock: clock, log: &logBuffer{}}
	h.run = New(jobs, Options{Clock: clock, Logger: slog.New(slog.NewTextHandler(h.log, nil))})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.run.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	h.sleeping(t)
	return h
}

// sleeping waits until the runner has set its next timer.
func (h *harness) sleeping(t *testing.T) {
	t.Helper()
	select {
	case h.wait = <-h.clock.Armed:
	case <-time.After(30 * time.Second):
		t.Fatal("the runner did not go back to sleep")
	}
}

// sleep lets d pass, timer by timer, the runner firing on the way.
func (h *harness) sleep(t *testing.T, d time.Duration) {
	t.Helper()
	for d > 0 {
		step := min(h.wait, d)
		h.clock.Advance(step)
		d -= step
		if h.wait -= step; h.wait == 0 {
			h.sleeping(t)
		}
	}
}

func mustParse(t *testing.T, spec string, form Form) Schedule {
	t.Helper()
	s, err := Parse(spec, form)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func sameTimes(t *testing.T, what string, got []time.Time, want ...time.Time) {
	t.Helper()
	ok := len(got) == len(want)
	for i := 0; ok && i < len(got); i++ {
		ok = got[i].Equal(want[i])
	}
	if !ok {
		t.Errorf("%s: got %v, want %v", what, got, want)
	}
}

// TestRunnerFiresOnSchedule: each job starts when its schedule says, and
// the runner wakes at least once a minute (so a stepped clock is noticed).
func TestRunnerFiresOnSchedule(t *testing.T) {
	clock := newClock()
	every := &sinkJob{clock: clock}
	nightly := &sinkJob{clock: clock}
	h := startRunner(t, clock,
		Job{Name: "www -> a", Key: "fullsync", Schedule: mustParse(t, "@every 20s", Flexible), Start: every.start},
		Job{Name: "www -> b", Key: "crontab", Schedule: mustParse(t, "0 5 0 * * *", Crontab), Start: nightly.start})
	if h.wait > maxSleep {
		t.Errorf("the runner sleeps %s at once", h.wait)
	}
	sameTimes(t, "planned", h.run.Next(), t0.Add(20*time.Second), t0.Add(5*time.Minute))
	h.sleep(t, 5*time.Minute)
	sameTimes(t, "@every 20s", every.starts, t0.Add(20*time.Second), t0.Add(40*time.Second), t0.Add(60*time.Second),
		t0.Add(80*time.Second), t0.Add(100*time.Second), t0.Add(120*time.Second), t0.Add(140*time.Second),
		t0.Add(160*time.Second), t0.Add(180*time.Second), t0.Add(200*time.Second), t0.Add(220*time.Second),
		t0.Add(240*time.Second), t0.Add(260*time.Second), t0.Add(280*time.Second), t0.Add(300*time.Second))
	sameTimes(t, "0 5 0 * * *", nightly.starts, t0.Add(5*time.Minute))
	sameTimes(t, "planned next", h.run.Next(), t0.Add(320*time.Second), t0.Add(24*time.Hour+5*time.Minute))
	if n := strings.Count(h.log.String(), "scheduled full sync due; queued"); n != 16 {
		t.Errorf("%d runs logged, want 16:\n%s", n, h.log)
	}
	if !strings.Contains(h.log.String(), `sink="www -> b" crontab="0 5 0 * * *"`) {
		t.Errorf("the log does not name the sink and the spec:\n%s", h.log)
	}
}

// TestRunnerSkipsWhileRunning: a run due while the last one is still going
// is skipped and logged, not stacked; the next one after that starts.
func TestRunnerSkipsWhileRunning(t *testing.T) {
	clock := newClock()
	job := &sinkJob{clock: clock}
	h := startRunner(t, clock, Job{Name: "www -> /mirror", Key: "fullsync",
		Schedule: mustParse(t, "@every 10s", Flexible), Start: job.start})
	h.sleep(t, 10*time.Second)
	job.busy = true // the full sync started at 10s takes 25s
	h.sleep(t, 20*time.Second)
	job.busy = false
	h.sleep(t, 10*time.Second)
	sameTimes(t, "started", job.starts, t0.Add(10*time.Second), t0.Add(40*time.Second))
	if job.calls != 4 {
		t.Errorf("Start called %d times, want 4 (10s, 20s, 30s, 40s)", job.calls)
	}
	skips := strings.Count(h.log.String(), "scheduled full sync skipped: a full sync of this target is still pending or running")
	if skips != 2 || !strings.Contains(h.log.String(), `level=WARN msg="scheduled full sync skipped`) ||
		!strings.Contains(h.log.String(), `sink="www -> /mirror" fullsync="@every 10s"`) {
		t.Errorf("want 2 skips logged as warnings with the sink and the spec, got %d:\n%s", skips, h.log)
	}
}

// TestRunnerDoesNotCatchUp: runs missed while the clock jumped (a
// suspended machine, a clock set forward) are one run, planned on from
// the moment it starts.
func TestRunnerDoesNotCatchUp(t *testing.T) {
	clock := newClock()
	job := &sinkJob{clock: clock}
	h := startRunner(t, clock, Job{Name: "s", Key: "fullsync", Schedule: mustParse(t, "@every 10s", Flexible), Start: job.start})
	clock.Advance(time.Hour + 5*time.Second)
	h.sleeping(t)
	sameTimes(t, "started", job.starts, t0.Add(time.Hour+5*time.Second))
	sameTimes(t, "planned", h.run.Next(), t0.Add(time.Hour+15*time.Second))
}

// TestRunnerWithoutJobs waits for the end quietly.
func TestRunnerWithoutJobs(t *testing.T) {
	r := New(nil, Options{Clock: newClock()})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := r.Run(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestRunnerPlansFromRun: the first runs count from when Run starts (the
// daemon adds its watches in between), not from New.
func TestRunnerPlansFromRun(t *testing.T) {
	clock := newClock()
	job := &sinkJob{clock: clock}
	r := New([]Job{{Name: "s", Key: "fullsync", Schedule: mustParse(t, "@every 10s", Flexible), Start: job.start}}, Options{Clock: clock})
	sameTimes(t, "planned by New", r.Next(), t0.Add(10*time.Second))
	clock.Advance(7 * time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	<-clock.Armed
	sameTimes(t, "planned by Run", r.Next(), t0.Add(17*time.Second))
	cancel()
	<-done
	if len(job.starts) != 0 {
		t.Errorf("started at %v", job.starts)
	}
}

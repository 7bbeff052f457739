package sink

import (
	"sync"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/queue"
)

// testGate is a Gate a test opens and shuts.
type testGate struct {
	mu      sync.Mutex
	open    bool
	changed chan struct{}
}

func newTestGate() *testGate { return &testGate{changed: make(chan struct{})} }

func (g *testGate) Open() (bool, <-chan struct{}) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.open, g.changed
}

func (g *testGate) set(open bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.open = open
	close(g.changed)
	g.changed = make(chan struct{})
}

// TestPoolGate: while the gate is shut (a tunnel not up yet) nothing is
// applied and no attempt is spent, however long it stays shut; events keep
// merging, and go in one batch the moment it opens. A gate that shuts
// again holds back what comes next.
func TestPoolGate(t *testing.T) {
	s := newScriptedSink()
	gate := newTestGate()
	f := startFixture(t, s, queue.Options{Delay: time.Second}, Options{Workers: 2, Gate: gate})
	f.pool.Add(modify("a"))
	f.pool.Add(modify("b"))
	f.pool.Add(modify("a"))
	for range 5 {
		f.clock.Advance(time.Minute)
		time.Sleep(20 * time.Millisecond) // give a wrong pool the chance to apply
	}
	if n := len(s.seen()); n != 0 {
		t.Fatalf("applied %d batches through a shut gate", n)
	}
	if st := f.pool.Stats(); st.Pending != 2 || st.Retried+st.Failed != 0 {
		t.Fatalf("stats behind a shut gate = %+v, want 2 events pending and no attempt spent", st)
	}
	gate.set(true)
	f.waitApplied(t, 1)
	if b := s.seen()[0]; len(b) != 2 {
		t.Fatalf("first batch once open = %v, want a and b together", b)
	}
	gate.set(false)
	f.pool.Add(modify("c"))
	f.clock.Advance(time.Minute)
	time.Sleep(50 * time.Millisecond)
	if n := len(s.seen()); n != 1 {
		t.Fatalf("applied %d batches, want the gate to hold back c", n)
	}
	gate.set(true)
	f.waitApplied(t, 2)
}

// TestPoolGateShutAtShutdown: what waits behind a shut gate at shutdown
// goes to the fail log once the grace period is over.
func TestPoolGateShutAtShutdown(t *testing.T) {
	gate := newTestGate()
	f := startFixture(t, newScriptedSink(), queue.Options{}, Options{Workers: 1, Gate: gate})
	f.pool.Add(modify("waiting"))
	if err := f.stopPastGrace(); err != nil {
		t.Fatal(err)
	}
	if e := f.failed(t); len(e) != 1 || e[0].Event.Path != "waiting" {
		t.Fatalf("fail log = %+v, want the waiting event", e)
	}
}

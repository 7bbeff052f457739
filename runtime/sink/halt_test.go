package sink

import (
	"strings"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/event"
	"github.com/luasync/luasync/runtime/queue"
)

// TestPoolStopsOnStop: a result of event.Stop (an exit code table's "die")
// stops that sink for good: it takes no more batches, its pending events
// and every later one go to the fail log, its status says so, and shutdown
// is still clean.
func TestPoolStopsOnStop(t *testing.T) {
	s := newScriptedSink()
	s.script["dies"] = []event.Outcome{event.Stop}
	f := newFixture(t, s, queue.Options{}, 1)
	f.pool.Add(modify("dies"))
	f.waitApplied(t, 1)
	waitStat(t, f, "the stop", func(st Stats) bool { return st.Stopped != "" && st.Failed == 1 })
	for _, p := range []string{"a", "b", "a"} {
		f.pool.Add(modify(p))
	}
	time.Sleep(50 * time.Millisecond) // give a wrong pool the chance to apply them
	if n := len(s.seen()); n != 1 {
		t.Fatalf("a stopped sink applied %d batches, want only the one that stopped it", n)
	}
	f.clock.Advance(haltedFlush)
	waitStat(t, f, "the events to reach the fail log", func(st Stats) bool { return st.Failed == 3 })
	var got []string
	for _, e := range f.failed(t) {
		got = append(got, e.Event.Path)
		if e.Event.Path != "dies" && !strings.HasPrefix(e.Reason, "target stopped: ") {
			t.Errorf("entry %v: reason %q, want it to say the target stopped", e.Event, e.Reason)
		}
	}
	if strings.Join(got, " ") != "dies a b" {
		t.Errorf("fail log holds %q, want dies, then a and b (merged)", got)
	}
	f.cancel()
	if err := <-f.done; err != nil {
		t.Errorf("Run() = %v, want nil", err)
	}
	f.done <- nil // for the cleanup
}

// TestStopLeavesOtherSinks: one sink stopping leaves another pool alone.
func TestStopLeavesOtherSinks(t *testing.T) {
	dead, alive := newScriptedSink(), newScriptedSink()
	dead.script["x"] = []event.Outcome{event.Stop}
	fd, fa := newFixture(t, dead, queue.Options{}, 1), newFixture(t, alive, queue.Options{}, 1)
	for _, f := range []*fixture{fd, fa} {
		f.pool.Add(modify("x"))
	}
	fd.waitApplied(t, 1)
	fa.waitApplied(t, 1)
	fa.pool.Add(modify("y"))
	fa.waitApplied(t, 2)
	if st := fa.pool.Stats(); st.Stopped != "" || st.Applied != 2 {
		t.Errorf("the other sink: %+v, want it running with 2 applied", st)
	}
}

func waitStat(t *testing.T, f *fixture, what string, ok func(Stats) bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok(f.pool.Stats()) {
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: stats %+v", what, f.pool.Stats())
		}
		time.Sleep(time.Millisecond)
	}
}

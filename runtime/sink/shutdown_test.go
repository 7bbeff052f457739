package sink

import (
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/queue"
)

// TestPoolShutdownReportsWhatItCouldNotPersist: when the fail log refuses
// the events shutdown must persist (here its path has become a directory),
// Run returns an error that names the sink, how many events were lost and
// which, so that luasync exits non-zero instead of "stopped cleanly".
func TestPoolShutdownReportsWhatItCouldNotPersist(t *testing.T) {
	f := stuckPool(t, "pending one", "pending\xfftwo")
	if err := os.Mkdir(f.fails.Path(), 0o700); err != nil {
		t.Fatal(err)
	}
	err := f.stopPastGrace()
	if err == nil {
		t.Fatal("Run = nil after the fail log refused every event")
	}
	for _, w := range []string{
		`sink test: 1 event not persisted to the fail log (Modify file "in-flight")`,
		`sink test: 2 events not persisted to the fail log (Modify file "pending one", Modify file "pending\xfftwo")`,
		f.fails.Path(),
	} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("Run's error does not say %q:\n%v", w, err)
		}
	}
	if !errors.Is(err, syscall.EISDIR) {
		t.Errorf("Run's error does not wrap the cause (EISDIR): %v", err)
	}
	if st := f.pool.Stats(); st.Failed != 0 {
		t.Errorf("stats count %d events as written to the fail log, want 0", st.Failed)
	}
}

// stuckPool is a pool of one worker whose sink holds its batch (the event
// "in-flight") until cancelled, with more events pending behind it.
func stuckPool(t *testing.T, pending ...string) *fixture {
	t.Helper()
	s := newScriptedSink()
	s.gate = make(chan struct{}) // never opened: Apply blocks until cancelled
	f := newFixture(t, s, queue.Options{}, 1)
	f.pool.Add(modify("in-flight"))
	<-s.started
	for _, p := range pending {
		f.pool.Add(modify(p))
	}
	return f
}

// stopPastGrace cancels Run, moves the clock past the grace period and
// returns what Run returned.
func (f *fixture) stopPastGrace() error {
	f.cancel()
	deadline := time.Now().Add(30 * time.Second)
	for len(f.done) == 0 && time.Now().Before(deadline) {
		f.clock.Advance(time.Second)
		time.Sleep(10 * time.Millisecond)
	}
	err := <-f.done
	f.done <- nil // for the fixture's Cleanup
	return err
}

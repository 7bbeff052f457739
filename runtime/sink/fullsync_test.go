package sink

import (
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/event"
	"github.com/luasync/luasync/runtime/faillog"
	"github.com/luasync/luasync/runtime/queue"
)

// ended collects what a FullSyncDone is told.
type ended chan event.Result

func (e ended) done(r event.Result, _ time.Time, _ time.Duration) { e <- r }

func (e ended) wait(t *testing.T) event.Result {
	t.Helper()
	select {
	case r := <-e:
		return r
	case <-time.After(30 * time.Second):
		t.Fatal("FullSyncDone was not called")
	}
	return event.Result{}
}

var skipNothing = &event.Scope{Skip: func(string, bool) bool { return false }}

// TestPoolFullSyncNeverStacks: a scheduled full sync is refused while one
// of the whole tree is pending or running, whoever queued it, and is
// accepted again once it has ended.
func TestPoolFullSyncNeverStacks(t *testing.T) {
	s := newScriptedSink()
	s.gate = make(chan struct{})
	f := newFixture(t, s, queue.Options{}, 2)
	done := make(ended, 4)
	if !f.pool.FullSync(skipNothing, done.done) {
		t.Fatal("FullSync refused on an idle pool")
	}
	<-s.started // running now
	stacked := f.pool.FullSync(nil, done.done)
	close(s.gate)
	if stacked {
		t.Fatal("FullSync accepted while one is running")
	}
	if r := done.wait(t); r.Outcome != event.OK || r.Event.Op != event.Rescan || r.Event.Scope != skipNothing {
		t.Fatalf("FullSyncDone told %+v, want the narrowed rescan, OK", r)
	}
	if !f.pool.FullSync(nil, done.done) {
		t.Fatal("FullSync refused once the last one ended")
	}
	if r := done.wait(t); r.Outcome != event.OK || r.Event.Scope != nil {
		t.Fatalf("FullSyncDone told %+v, want the plain rescan, OK", r)
	}
	if len(done) != 0 {
		t.Fatalf("FullSyncDone called more than once per full sync")
	}
}

// TestPoolFullSyncWaitsForAPendingOne: the startup sync, still pending,
// counts as a full sync under way.
func TestPoolFullSyncWaitsForAPendingOne(t *testing.T) {
	s := newScriptedSink()
	f := newFixture(t, s, queue.Options{Delay: time.Minute}, 1)
	f.pool.Add(event.Event{Op: event.Rescan, IsDir: true})
	if f.pool.FullSync(nil, nil) {
		t.Fatal("FullSync accepted while the startup sync is pending")
	}
	f.clock.Advance(time.Minute)
	f.waitApplied(t, 1)
	if b := s.seen(); len(b) != 1 || len(b[0]) != 1 {
		t.Fatalf("batches %v, want the one startup rescan", b)
	}
}

// TestPoolFullSyncFailure: a full sync the sink cannot apply ends too, and
// FullSyncDone says so.
func TestPoolFullSyncFailure(t *testing.T) {
	s := newScriptedSink()
	s.script[""] = []event.Outcome{event.Fail}
	f := newFixture(t, s, queue.Options{}, 1)
	done := make(ended, 1)
	f.pool.FullSync(nil, done.done)
	if r := done.wait(t); r.Outcome != event.Fail || r.Err == nil {
		t.Fatalf("FullSyncDone told %+v, want Fail with the sink's error", r)
	}
}

// TestPoolNarrowedFullSyncKeepsTheFailLog: a narrowed full sync did not
// look at what it skipped, so it does not compact the fail log; a plain
// one does.
func TestPoolNarrowedFullSyncKeepsTheFailLog(t *testing.T) {
	s := newScriptedSink()
	f := newFixture(t, s, queue.Options{}, 1)
	old := faillog.Entry{Time: f.clock.Now().Add(-time.Hour), Sink: "test", Event: modify("cache/old")}
	if err := f.fails.Append(old); err != nil {
		t.Fatal(err)
	}
	done := make(ended, 1)
	f.pool.FullSync(skipNothing, done.done)
	done.wait(t)
	if e := f.failed(t); len(e) != 1 {
		t.Fatalf("fail log after a narrowed full sync = %+v, want the entry kept", e)
	}
	f.pool.FullSync(nil, done.done)
	done.wait(t)
	if e := f.failed(t); len(e) != 0 {
		t.Fatalf("fail log after a plain full sync = %+v, want it compacted", e)
	}
}

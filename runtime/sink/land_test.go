package sink

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/event"
	"github.com/luasync/luasync/runtime/faillog"
	"github.com/luasync/luasync/runtime/queue"
)

// TestVanishedPathsAreExplainedOrRescanned: a batch's paths stay in flight
// until Settle returns; an applied path the source no longer has is then
// either explained by a newer change in the queue (here pushed during
// Settle, as a watcher catching up does), or the nearest directory above
// it that exists is rescanned.
func TestVanishedPathsAreExplainedOrRescanned(t *testing.T) {
	for _, explain := range []bool{false, true} {
		src := t.TempDir()
		if err := os.MkdirAll(filepath.Join(src, "d"), 0o755); err != nil {
			t.Fatal(err)
		}
		s := newScriptedSink()
		fails, err := faillog.Open(filepath.Join(t.TempDir(), "fail.log"))
		if err != nil {
			t.Fatal(err)
		}
		var p *Pool
		var settles atomic.Int32
		settle := func(context.Context) error {
			if settles.Add(1) == 1 && explain {
				p.Add(event.Event{Op: event.Delete, Path: "d/x", IsDir: true})
			}
			return nil
		}
		p = NewPool(s, queue.New(queue.Options{}), Options{Name: "test", Workers: 1, Clock: newManualClock(),
			FailLog: fails, Grace: time.Second, Settle: settle, Source: src})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- p.Run(ctx) }()
		p.Add(event.Event{Op: event.Create, Path: "d/x/f"})
		f := &fixture{pool: p, sink: s}
		want := 2 // the create, then the rescan or the delete
		f.waitApplied(t, want)
		got := s.seen()[1]
		wantOp, wantPath := event.Rescan, "d"
		if explain {
			wantOp, wantPath = event.Delete, "d/x"
		}
		if !slices.ContainsFunc(got, func(ev event.Event) bool { return ev.Op == wantOp && ev.Path == wantPath }) {
			t.Errorf("explained=%v: second batch %v, want a %v", explain, got, wantOp)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if n := len(s.seen()); n != want {
			t.Errorf("explained=%v: %d batches, want %d: %v", explain, n, want, s.seen())
		}
	}
}

package socket

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/luasync/luasync/plugins/sdk"
)

// paths decodes JSON lines into their paths.
func paths(t *testing.T, lines []string) []string {
	t.Helper()
	out := make([]string, len(lines))
	for i, line := range lines {
		var r record
		if err := json.Unmarshal([]byte(line), &r); err != nil || r.Path == nil {
			t.Fatalf("line %q: %v", line, err)
		}
		out[i] = *r.Path
	}
	return out
}

func creates(first uint64, names ...string) []sdk.Event {
	var events []sdk.Event
	for _, n := range names {
		events = append(events, sdk.Event{Op: sdk.Create, Path: n})
	}
	return numbered(first, events...)
}

// TestPeerClosedIsNoticed: a listener that hung up (and still listens)
// gets a new connection, and nothing is written into the dead one.
func TestPeerClosedIsNoticed(t *testing.T) {
	for _, network := range networks {
		t.Run(network, func(t *testing.T) {
			s := listen(t, network)
			c := start(t, map[string]any{"address": s.address()})
			deliver(t, c, creates(1, "a", "b")...)
			p := s.accept()
			if got := paths(t, p.lines(t, 2)); strings.Join(got, ",") != "a,b" {
				t.Fatalf("first connection read %q", got)
			}
			s.hangUp(p)
			res := handle(t, c, creates(3, "c", "d")...)
			for id, r := range res {
				if r.Outcome != sdk.OK {
					t.Errorf("event %d: %v %s", id, r.Outcome, r.Reason)
				}
			}
			if got := paths(t, s.accept().lines(t, 2)); strings.Join(got, ",") != "c,d" {
				t.Errorf("second connection read %q, want c,d", got)
			}
		})
	}
}

// TestListenerGoesAwayAndComesBack: while the listener is down every
// event is retried; once it is back on the same address, the retried
// events arrive, in order, once each.
func TestListenerGoesAwayAndComesBack(t *testing.T) {
	for _, network := range networks {
		t.Run(network, func(t *testing.T) {
			s := listen(t, network)
			c := start(t, map[string]any{"address": s.address(), "reconnect": "300ms"})
			deliver(t, c, creates(1, "before")...)
			p := s.accept()
			p.lines(t, 1)
			s.stop()
			s.hangUp(p)
			down := creates(10, "while down 1", "while down 2", "while down 3")
			for range 3 {
				for id, r := range handle(t, c, down...) {
					if r.Outcome != sdk.Retry || r.Reason == "" {
						t.Fatalf("event %d while the listener is down: %v %q, want a retry", id, r.Outcome, r.Reason)
					}
				}
			}
			s.start()
			deliver(t, c, down...)
			deliver(t, c, creates(20, "after")...)
			got := paths(t, s.accept().lines(t, 4))
			if w := "while down 1,while down 2,while down 3,after"; strings.Join(got, ",") != w {
				t.Errorf("the listener read %q, want %s", got, w)
			}
		})
	}
}

// TestBufferBound: while a batch waits to be written, events beyond the
// buffer are retried at once instead of held.
func TestBufferBound(t *testing.T) {
	s := listen(t, "unix")
	c := start(t, map[string]any{"address": s.address(), "buffer": 4.0, "writeTimeout": 600.0})
	// Together bigger than a Unix socket's buffer (about 200 KiB), so the
	// batch waits for the reader; small enough for one gRPC message.
	big := strings.Repeat("x", 512<<10)
	var names []string
	for i := range 4 {
		names = append(names, fmt.Sprintf("%d-%s", i, big))
	}
	first := creates(1, names...)
	var wg sync.WaitGroup
	var firstRes []sdk.Result
	var firstErr error
	wg.Go(func() { firstRes, firstErr = c.Handle(context.Background(), first) })
	p := s.accept()
	p.conn.SetReadDeadline(time.Now().Add(wait))
	if _, err := p.r.Peek(1); err != nil { // the first batch is being written
		t.Fatal(err)
	}
	second := creates(10, "small 1", "small 2")
	for id, r := range handle(t, c, second...) {
		if r.Outcome != sdk.Retry || !strings.Contains(r.Reason, "buffer full") {
			t.Errorf("event %d with the buffer full: %v %q", id, r.Outcome, r.Reason)
		}
	}
	got := paths(t, p.lines(t, 4))
	wg.Wait()
	if firstErr != nil || len(firstRes) != len(first) {
		t.Fatalf("the big batch: %v, %v", firstRes, firstErr)
	}
	for _, r := range firstRes {
		if r.Outcome != sdk.OK {
			t.Errorf("big event %d: %v %s", r.ID, r.Outcome, r.Reason)
		}
	}
	for i := range got {
		if got[i] != names[i] {
			t.Errorf("big line %d is not event %d", i+1, i+1)
		}
	}
	// A batch larger than the buffer: its head goes out, its tail is retried.
	res := handle(t, c, creates(20, "1", "2", "3", "4", "5", "6")...)
	for id, want := range map[uint64]sdk.Outcome{20: sdk.OK, 23: sdk.OK, 24: sdk.Retry, 25: sdk.Retry} {
		if res[id].Outcome != want {
			t.Errorf("event %d: %v, want %v", id, res[id].Outcome, want)
		}
	}
	if got := paths(t, p.lines(t, 4)); strings.Join(got, "") != "1234" {
		t.Errorf("read %q", got)
	}
}

// TestWriteTimeout: a listener that stops reading costs writeTimeout,
// then what was not written is retried.
func TestWriteTimeout(t *testing.T) {
	s := listen(t, "unix")
	c := start(t, map[string]any{"address": s.address(), "writeTimeout": "300ms"})
	big := strings.Repeat("y", 512<<10)
	res := handle(t, c, creates(1, "1"+big, "2"+big, "3"+big, "4"+big)...)
	if r := res[4]; r.Outcome != sdk.Retry || !strings.Contains(r.Reason, "timeout") {
		t.Errorf("the last event: %v %q, want a retry for the timeout", r.Outcome, r.Reason)
	}
	// The connection was closed: the next batch goes to a new one, whole.
	s.accept()
	deliver(t, c, creates(10, "next")...)
	p := s.accept()
	if got := paths(t, p.lines(t, 1)); got[0] != "next" {
		t.Errorf("read %q", got)
	}
}

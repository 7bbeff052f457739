package watch

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/event"
)

// waitLimit bounds every wait for real kernel events; waits end as soon as
// their condition holds, so a fast machine never sleeps this long.
const waitLimit = 10 * time.Second

// recorder runs a Watcher and keeps everything it sends.
type recorder struct {
	w     *Watcher
	root  string
	mu    sync.Mutex
	evs   []event.Event
	seen  int // events already returned by settle
	marks int
	done  chan error
}

// start opens root and runs the watcher until the test ends.
func start(t *testing.T, root string, opts Options) *recorder {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = testLogger(t)
	}
	w, err := Open(root, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return run(t, w, root)
}

// run runs an open watcher until the test ends, and checks Run returned nil.
func run(t *testing.T, w *Watcher, root string) *recorder {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &recorder{w: w, root: root, done: make(chan error, 1)}
	out := make(chan event.Event)
	go func() { r.done <- w.Run(ctx, out) }()
	go func() {
		for e := range out {
			r.mu.Lock()
			r.evs = append(r.evs, e)
			r.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-r.done; err != nil {
			t.Errorf("Run returned %v after cancel, want nil", err)
		}
		close(out)
	})
	return r
}

func (r *recorder) events() []event.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.evs)
}

// waitFor polls until cond holds on everything received so far.
func (r *recorder) waitFor(t *testing.T, what string, cond func([]event.Event) bool) []event.Event {
	t.Helper()
	var evs []event.Event
	if !eventually(func() bool { evs = r.events(); return cond(evs) }) {
		t.Fatalf("no %s within %v; got:\n%s", what, waitLimit, strings.Join(showAll(evs), "\n"))
	}
	return evs
}

// waitWatches polls until the watcher holds want watches.
func waitWatches(t *testing.T, w *Watcher, want int) {
	t.Helper()
	if !eventually(func() bool { return w.Watches() == want }) {
		t.Fatalf("%d watches after %v, want %d", w.Watches(), waitLimit, want)
	}
}

// eventually polls cond until it holds (true) or waitLimit passes (false).
func eventually(cond func() bool) bool {
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}

// testLogger sends a watcher's log to the test's log.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, nil))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// settle writes a marker file and waits for its Create: inotify keeps
// order, so every event caused before the marker has arrived by then. It
// returns the events since the previous settle, markers left out.
func (r *recorder) settle(t *testing.T) []event.Event {
	t.Helper()
	r.marks++
	mark := fmt.Sprintf("zz-mark-%d", r.marks)
	if err := os.WriteFile(filepath.Join(r.root, mark), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	evs := r.waitFor(t, "Create "+mark, func(evs []event.Event) bool {
		return slices.ContainsFunc(evs[r.seen:], func(e event.Event) bool { return e.Path == mark })
	})
	var got []event.Event
	for _, e := range evs[r.seen:] {
		if e.Path == mark {
			break
		}
		if !strings.HasPrefix(e.Path, "zz-mark-") {
			got = append(got, e)
		}
	}
	r.seen = len(evs)
	return got
}

// show writes an event compactly: "Create d/" for a directory, "Move a -> b".
func show(e event.Event) string {
	slash := ""
	if e.IsDir {
		slash = "/"
	}
	if e.Op == event.Move {
		return fmt.Sprintf("Move %s%s -> %s%s", e.From, slash, e.Path, slash)
	}
	return fmt.Sprintf("%s %s%s", e.Op, e.Path, slash)
}

// showAll shows events, each distinct one once, in order of first arrival.
func showAll(evs []event.Event) []string {
	var out []string
	for _, e := range evs {
		if s := show(e); !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// has reports whether evs holds an event shown as s.
func has(evs []event.Event, s string) bool {
	return slices.ContainsFunc(evs, func(e event.Event) bool { return show(e) == s })
}

func mustMkdir(t *testing.T, p string) {
	t.Helper()
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
}

func mustWrite(t *testing.T, p, data string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustRename(t *testing.T, from, to string) {
	t.Helper()
	if err := os.Rename(from, to); err != nil {
		t.Fatal(err)
	}
}

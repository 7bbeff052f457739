package pluginhost

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/luasync/luasync/runtime/event"
)

// The first test reads as the package's contract: a batch goes to the
// plugin intact, in order, and its answers come back per event.
func TestApplyRoundTrip(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "handled")
	o, _ := options(t, map[string]any{
		"log":   logFile,
		"retry": []any{"again"},
		"fail":  []any{"never"},
		"skip":  []any{"forgotten"},
	})
	h := start(t, o)
	odd := []string{
		"plain.txt",
		"dir/with space",
		"new\nline",
		`quote"and'single`,
		"-leading-dash",
		"$(touch pwned)",
		"bad\xff\xfeutf8",
		"tab\there/`backtick`",
	}
	b := creates(odd...)
	b = append(b,
		event.Event{Op: event.Move, From: "old name", Path: "new name"},
		event.Event{Op: event.Rescan, Path: "", IsDir: true},
		event.Event{Op: event.Delete, Path: "gone"},
		event.Event{Op: event.Modify, Path: "again"},
		event.Event{Op: event.Attrib, Path: "never"},
		event.Event{Op: event.Modify, Path: "forgotten"},
	)
	res := h.Apply(context.Background(), b)
	if len(res) != len(b) {
		t.Fatalf("got %d results for %d events", len(res), len(b))
	}
	want := map[string]event.Outcome{"again": event.Retry, "never": event.Fail, "forgotten": event.Retry}
	for i, r := range res {
		if r.Event.Path != b[i].Path || r.Event.Op != b[i].Op {
			t.Errorf("result %d is for %v, want %v", i, r.Event, b[i])
		}
		if r.Outcome != want[b[i].Path] {
			t.Errorf("%v: outcome %v (%v), want %v", b[i], r.Outcome, r.Err, want[b[i].Path])
		}
		if r.Outcome != event.OK && r.Err == nil {
			t.Errorf("%v: %v without a reason", b[i], r.Outcome)
		}
	}
	for path, msg := range map[string]string{"again": "told to retry again", "never": "told to fail never",
		"forgotten": "plugin returned no result"} {
		i := slices.IndexFunc(res, func(r event.Result) bool { return r.Event.Path == path })
		if res[i].Err == nil || res[i].Err.Error() != msg {
			t.Errorf("%s: reason %v, want %q", path, res[i].Err, msg)
		}
	}
	got := readHandled(t, logFile)
	if len(got) != len(b) {
		t.Fatalf("plugin handled %d events, want %d: %+v", len(got), len(b), got)
	}
	wantOps := []string{"create", "create", "create", "create", "create", "create", "create", "create",
		"move", "full", "delete", "modify", "attrib", "modify"}
	for i, g := range got {
		if g.path != b[i].Path || g.from != b[i].From || g.op != wantOps[i] {
			t.Errorf("plugin got %s %q from %q, want %s %q from %q", g.op, g.path, g.from, wantOps[i], b[i].Path, b[i].From)
		}
		if g.pid != h.PID() {
			t.Errorf("handled by pid %d, the host says %d", g.pid, h.PID())
		}
	}
}

func TestApplySkipsOpsThePluginDoesNotAccept(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "handled")
	o, _ := options(t, map[string]any{"log": logFile}, "TESTPLUGIN_ACCEPTS=create,delete")
	h := start(t, o)
	b := event.Batch{
		{Op: event.Create, Path: "a"},
		{Op: event.Modify, Path: "b"},
		{Op: event.Delete, Path: "c"},
		{Op: event.Rescan, Path: ""},
		{Op: event.Attrib, Path: "d"},
	}
	for i, r := range h.Apply(context.Background(), b) {
		if r.Outcome != event.OK || r.Event.Path != b[i].Path {
			t.Errorf("result %d: %v %v for %v", i, r.Outcome, r.Err, r.Event)
		}
	}
	var paths []string
	for _, g := range readHandled(t, logFile) {
		paths = append(paths, g.op+" "+g.path)
	}
	if want := []string{"create a", "delete c"}; !slices.Equal(paths, want) {
		t.Errorf("plugin got %q, want %q", paths, want)
	}

	// A batch with nothing the plugin takes makes no call at all.
	calls := filepath.Join(t.TempDir(), "calls")
	o, _ = options(t, map[string]any{"calls": calls}, "TESTPLUGIN_ACCEPTS=delete")
	h = start(t, o)
	for _, r := range h.Apply(context.Background(), creates("x", "y")) {
		if r.Outcome != event.OK {
			t.Errorf("%v: %v", r.Event, r.Outcome)
		}
	}
	if _, err := os.Stat(calls); !os.IsNotExist(err) {
		t.Errorf("plugin was called (%s exists: %v)", calls, err)
	}
}

func TestApplySplitsAtMaxBatch(t *testing.T) {
	dir := t.TempDir()
	o, _ := options(t, map[string]any{"calls": filepath.Join(dir, "calls"), "log": filepath.Join(dir, "handled")},
		"TESTPLUGIN_MAX_BATCH=3")
	h := start(t, o)
	var paths []string
	for i := range 10 {
		paths = append(paths, strings.Repeat("p", i+1))
	}
	for _, r := range h.Apply(context.Background(), creates(paths...)) {
		if r.Outcome != event.OK {
			t.Errorf("%v: %v %v", r.Event, r.Outcome, r.Err)
		}
	}
	var sizes []int
	for _, c := range readCalls(t, filepath.Join(dir, "calls")) {
		sizes = append(sizes, c[1])
	}
	if want := []int{3, 3, 3, 1}; !slices.Equal(sizes, want) {
		t.Errorf("calls of %v events, want %v", sizes, want)
	}
	var order []string
	for _, g := range readHandled(t, filepath.Join(dir, "handled")) {
		order = append(order, g.path)
	}
	if !slices.Equal(order, paths) {
		t.Errorf("plugin got %q, want the batch's order %q", order, paths)
	}
}

func TestApplyRespectsMaxInFlight(t *testing.T) {
	calls := filepath.Join(t.TempDir(), "calls")
	o, _ := options(t, map[string]any{"calls": calls, "delay": "300ms"}, "TESTPLUGIN_MAX_IN_FLIGHT=2")
	h := start(t, o)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for _, r := range h.Apply(context.Background(), creates(strings.Repeat("x", i+1))) {
				if r.Outcome != event.OK {
					t.Errorf("%v: %v %v", r.Event, r.Outcome, r.Err)
				}
			}
		})
	}
	wg.Wait()
	most := 0
	got := readCalls(t, calls)
	for _, c := range got {
		most = max(most, c[2])
	}
	if len(got) != 8 || most != 2 {
		t.Errorf("%d calls, at most %d at once; want 8 calls, 2 at once", len(got), most)
	}
}

// An op no watcher produces is Fail, and never reaches the plugin.
func TestApplyFailsUnknownOps(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "handled")
	o, _ := options(t, map[string]any{"log": logFile})
	h := start(t, o)
	res := h.Apply(context.Background(), event.Batch{{Op: event.Op(99), Path: "odd"}, {Op: event.Create, Path: "fine"}})
	if res[0].Outcome != event.Fail || !errors.Is(res[0].Err, event.ErrUnknownOp) || res[1].Outcome != event.OK {
		t.Errorf("got %v %v, %v %v", res[0].Outcome, res[0].Err, res[1].Outcome, res[1].Err)
	}
	if got := readHandled(t, logFile); len(got) != 1 || got[0].path != "fine" {
		t.Errorf("plugin got %+v", got)
	}
}

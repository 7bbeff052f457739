package command

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/luasync/luasync/plugins/sdk"
)

// TestExitStatus: how a command ends decides the event's result.
func TestExitStatus(t *testing.T) {
	for _, tc := range []struct {
		name   string
		script string
		values map[string]any
		want   sdk.Outcome
		reason string
	}{
		{"exit 0", "exit 0", nil, sdk.OK, ""},
		{"exit 3 fails with stderr", "echo noise >&2; echo 'disk on fire' >&2; exit 3", nil, sdk.Fail, "disk on fire"},
		{"EX_TEMPFAIL retries", "exit 75", nil, sdk.Retry, "exit status 75"},
		{"retryOn", "exit 3", map[string]any{"retryOn": []any{3.0, 4.0}}, sdk.Retry, "exit status 3"},
		{"retryOn replaces 75", "exit 75", map[string]any{"retryOn": 3.0}, sdk.Fail, "exit status 75"},
		{"ignoreError", "exit 3", map[string]any{"ignoreError": true}, sdk.OK, ""},
		{"ignoreError still retries", "exit 75", map[string]any{"ignoreError": true}, sdk.Retry, "exit status 75"},
		{"a signal retries", "kill -KILL $$", map[string]any{"ignoreError": true}, sdk.Retry, "killed"},
		{"chatty stderr stays bounded", "head -c 3000000 /dev/zero | tr '\\0' x >&2; echo; echo last words >&2; exit 1", nil, sdk.Fail, "last words"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			values := map[string]any{"prefix": []any{"/bin/sh", "-c", tc.script, "sh"}}
			for k, v := range tc.values {
				values[k] = v
			}
			c := start(t, t.TempDir(), values)
			r := handle(t, c, sdk.Event{ID: 7, Op: sdk.Modify, Path: "f"})[7]
			if r.Outcome != tc.want || !strings.Contains(r.Reason, tc.reason) {
				t.Errorf("result %v %q, want %v with %q", r.Outcome, r.Reason, tc.want, tc.reason)
			}
		})
	}
}

// TestTimeoutKillsTheGroup: a command past its timeout gets SIGTERM, then
// SIGKILL when it ignores that, and so does what it started; the event is
// retried.
func TestTimeoutKillsTheGroup(t *testing.T) {
	defer func(g time.Duration) { killGrace = g }(killGrace)
	killGrace = 300 * time.Millisecond
	source := t.TempDir()
	// Ignored signals stay ignored across exec: the sleep ignores TERM too.
	script := `trap '' TERM; sleep 600 & echo $! > "$1.pid"; wait; wait`
	c := start(t, source, map[string]any{"prefix": []any{"/bin/sh", "-c", script, "sh"}, "timeout": "2s"})
	began := time.Now()
	r := handle(t, c, sdk.Event{ID: 1, Op: sdk.Create, Path: "slow"})[1]
	if r.Outcome != sdk.Retry || !strings.Contains(r.Reason, "timed out after 2s") {
		t.Errorf("result %v %q, want a retry for the timeout", r.Outcome, r.Reason)
	}
	if took := time.Since(began); took > time.Minute {
		t.Errorf("handle took %v: the kill did not end it", took)
	}
	b, err := os.ReadFile(filepath.Join(source, "slow.pid"))
	if err != nil {
		t.Fatalf("the script did not start its child: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("the command's child %d outlived the timeout", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// alive reports whether pid runs (a zombie waiting for init does not).
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	return !strings.HasPrefix(rest, "Z") && !strings.HasPrefix(rest, "X")
}

// TestWorkersLimit: never more than workers commands at once, also when
// batches arrive together.
func TestWorkersLimit(t *testing.T) {
	dir := t.TempDir()
	// Each run counts the runs it can see, itself included.
	script := `d=$1; touch "$d/run.$$"; ls "$d" | grep -c '^run\.' >> "$d/counts"; sleep 0.3; rm "$d/run.$$"`
	c := start(t, t.TempDir(), map[string]any{"prefix": []any{"/bin/sh", "-c", script, "sh", dir}, "workers": 2.0, "suffix": ""})
	var wg sync.WaitGroup
	for b := range 3 {
		wg.Go(func() {
			var events []sdk.Event
			for i := range 4 {
				events = append(events, sdk.Event{ID: uint64(i + 1), Op: sdk.Create, Path: strconv.Itoa(b) + "-" + strconv.Itoa(i)})
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			res, err := c.Handle(ctx, events)
			if err != nil || len(res) != 4 {
				t.Errorf("batch %d: %v, %v", b, res, err)
			}
		})
	}
	wg.Wait()
	b, err := os.ReadFile(filepath.Join(dir, "counts"))
	if err != nil {
		t.Fatal(err)
	}
	counts := strings.Fields(string(b))
	if len(counts) != 12 {
		t.Fatalf("%d runs, want 12", len(counts))
	}
	for _, n := range counts {
		if n != "1" && n != "2" {
			t.Fatalf("a run saw %s runs at once, want at most 2 (all: %v)", n, counts)
		}
	}
}

// TestOrderWithinABatch: an event waits for earlier events of its batch
// on the same path, a parent or a child; others run beside them.
func TestOrderWithinABatch(t *testing.T) {
	log := filepath.Join(t.TempDir(), "log")
	// A slow first step makes any overtaking all but certain.
	script := `case "$LUASYNC_OP $LUASYNC_PATH" in "create d"|"delete x") sleep 0.5;; esac; echo "$LUASYNC_OP $LUASYNC_PATH" >> "$0"`
	c := start(t, t.TempDir(), map[string]any{"prefix": []any{"/bin/sh", "-c", script, log}, "workers": 8.0,
		"events": []any{"create", "modify", "delete", "move", "full"}})
	events := numbered(
		sdk.Event{Op: sdk.Create, Path: "d", IsDir: true},
		sdk.Event{Op: sdk.Create, Path: "d/f"},
		sdk.Event{Op: sdk.Delete, Path: "x"},
		sdk.Event{Op: sdk.Move, Path: "d/g", From: "x"},
		sdk.Event{Op: sdk.Modify, Path: "other"},
		sdk.Event{Op: sdk.Full, Path: ""})
	for id, r := range handle(t, c, events...) {
		if r.Outcome != sdk.OK {
			t.Errorf("event %d: %v %s", id, r.Outcome, r.Reason)
		}
	}
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	at := func(s string) int {
		i := slices.Index(lines, s)
		if i < 0 {
			t.Fatalf("%q did not run: %q", s, lines)
		}
		return i
	}
	for _, pair := range [][2]string{{"create d", "create d/f"}, {"create d", "move d/g"}, {"delete x", "move d/g"},
		{"create d/f", "full"}, {"move d/g", "full"}, {"modify other", "full"}} {
		if at(pair[0]) > at(pair[1]) {
			t.Errorf("%q ran before %q: %q", pair[1], pair[0], lines)
		}
	}
}

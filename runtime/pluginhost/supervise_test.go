//go:build unix

package pluginhost

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/event"
)

// A plugin killed under a burst of concurrent Apply calls is restarted
// once, and every event reaches a process at least once: none is lost,
// and every Apply call gets a result for each of its events.
func TestKilledPluginIsRestartedAndEventsRedelivered(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "handled")
	o, logs := options(t, map[string]any{"log": logFile, "delay": "5ms"}, "TESTPLUGIN_MAX_IN_FLIGHT=4")
	h := start(t, o)
	first := h.PID()

	// Each worker applies at least calls batches, and goes on until the
	// plugin has been killed and two more of its batches went through.
	const workers, calls, size = 8, 12, 25
	var wg sync.WaitGroup
	killed := make(chan struct{})
	go func() {
		defer close(killed)
		eventually(t, "the plugin to handle some events", func() bool {
			data, _ := os.ReadFile(logFile)
			return bytes.Count(data, []byte("\n")) >= 100
		})
		if err := syscall.Kill(first, syscall.SIGKILL); err != nil {
			t.Errorf("kill %d: %v", first, err)
		}
	}()
	var sent atomic.Int64
	for w := range workers {
		wg.Go(func() {
			after := -1 // batches left once the kill is done
			for c := 0; c < calls || after != 0; c++ {
				if after < 0 && isClosed(killed) {
					after = 2
				}
				if after > 0 {
					after--
				}
				var paths []string
				for i := range size {
					paths = append(paths, fmt.Sprintf("w%d/c%d/f%d", w, c, i))
				}
				b := creates(paths...)
				sent.Add(int64(len(b)))
				res := h.Apply(context.Background(), b)
				if len(res) != len(b) {
					t.Errorf("%d results for %d events", len(res), len(b))
					return
				}
				for i, r := range res {
					if r.Event.Path != b[i].Path || r.Outcome != event.OK {
						t.Errorf("result %d: %v %v %v, want OK for %q", i, r.Event, r.Outcome, r.Err, b[i].Path)
					}
				}
			}
		})
	}
	wg.Wait()
	<-killed

	seen := map[string]bool{}
	pids := map[int]bool{}
	for _, g := range readHandled(t, logFile) {
		seen[g.path] = true
		pids[g.pid] = true
	}
	if len(seen) != int(sent.Load()) {
		t.Errorf("plugin saw %d distinct paths, want %d", len(seen), sent.Load())
	}
	if h.Restarts() != 1 || h.PID() == first || h.PID() == 0 || len(pids) != 2 {
		t.Errorf("restarts %d, pid %d (first %d), %d pids in the log; want one restart", h.Restarts(), h.PID(), first, len(pids))
	}
	if !strings.Contains(logs.String(), `"exit":"signal: killed"`) {
		t.Errorf("the log does not say how the plugin ended")
	}
}

// A call that outlives Timeout is taken for a hang: the process is killed
// and a new one gets the call's events.
func TestHungPluginIsKilledAndEventsRedelivered(t *testing.T) {
	dir := t.TempDir()
	logFile := filepath.Join(dir, "handled")
	child := filepath.Join(dir, "child")
	o, _ := options(t, map[string]any{"log": logFile, "hang": "hang", "hang_once": filepath.Join(dir, "hung"),
		"hang_child": child})
	o.Timeout = 2 * time.Second
	h := start(t, o)
	first := h.PID()
	b := creates("before", "hang", "after")
	for i, r := range h.Apply(context.Background(), b) {
		if r.Outcome != event.OK || r.Event.Path != b[i].Path {
			t.Errorf("result %d: %v %v %v", i, r.Event, r.Outcome, r.Err)
		}
	}
	if h.Restarts() != 1 || h.PID() == first {
		t.Errorf("restarts %d, pid %d (first %d): want the hung process replaced", h.Restarts(), h.PID(), first)
	}
	if err := syscall.Kill(first, 0); err == nil {
		t.Errorf("the hung process %d is still alive", first)
	}
	data, err := os.ReadFile(child)
	if err != nil {
		t.Fatal(err)
	}
	childPID, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	// The child is reaped by init once killed; until then it is a zombie
	// that signal 0 still finds, so poll.
	eventually(t, "the hung plugin's child to be killed", func() bool { return !alive(childPID) })
	var got []string
	for _, g := range readHandled(t, logFile) {
		got = append(got, fmt.Sprintf("%s@%v", g.path, g.pid == first))
		if g.again == (g.pid == first) {
			t.Errorf("%s in process %d (first %d) came with again=%t; want it set on the second sending alone", g.path, g.pid, first, g.again)
		}
	}
	// The first process saw "before" and hung on "hang"; the second got
	// the whole call again, marked as sent before.
	if want := "before@true before@false hang@false after@false"; strings.Join(got, " ") != want {
		t.Errorf("handled %q, want %q", strings.Join(got, " "), want)
	}
}

// A plugin that dies under every call is restarted with growing backoff,
// and the call is given up after three redeliveries: Retry, for the pool.
func TestPluginDyingUnderEveryCallIsGivenUp(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "handled")
	o, _ := options(t, map[string]any{"log": logFile, "crash_after": 1.0})
	o.Backoff = Backoff{Initial: 100 * time.Millisecond, Max: time.Second}
	h := start(t, o)
	began := time.Now()
	res := h.Apply(context.Background(), creates("doomed", "also"))
	took := time.Since(began)
	for _, r := range res {
		if r.Outcome != event.Retry || r.Err == nil || !strings.Contains(r.Err.Error(), "lost 4 times") {
			t.Errorf("%v: %v %v, want Retry after 4 attempts", r.Event, r.Outcome, r.Err)
		}
	}
	got := readHandled(t, logFile)
	if len(got) != 4 {
		t.Errorf("the plugin got the call %d times, want 4", len(got))
	}
	for i, g := range got {
		if g.again != (i > 0) {
			t.Errorf("sending %d came with again=%t", i+1, g.again)
		}
	}
	// What the pool sends again later is marked too: the lost processes
	// may have handled it. (This one dies too; the mark is what counts.)
	h.Apply(context.Background(), creates("doomed"))
	if got := readHandled(t, logFile); len(got) < 5 || got[4].path != "doomed" || !got[4].again {
		t.Errorf("the pool's next sending of a doubtful event: %+v, want it marked again", got[4:])
	}
	// Restarts waited 100ms, 200ms and 400ms: a lower bound, which a slow
	// machine only exceeds.
	if took < 700*time.Millisecond {
		t.Errorf("gave up after %v: restarts did not back off", took)
	}
}

// A plugin that cannot start again is retried with backoff, not in a
// tight loop; Apply waits DownWait for it and then returns Retry; once it
// can start, it is back.
func TestCrashLoopBacksOffAndRecovers(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "crash")
	logFile := filepath.Join(dir, "handled")
	o, _ := options(t, map[string]any{"log": logFile, "crash_if": marker})
	o.Backoff = Backoff{Initial: 50 * time.Millisecond, Max: 400 * time.Millisecond}
	o.DownWait = 2 * time.Second
	h := start(t, o)
	if err := os.WriteFile(marker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(h.PID(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	res := h.Apply(context.Background(), creates("waits"))
	if r := res[0]; r.Outcome != event.Retry || r.Err == nil {
		t.Errorf("Apply while the plugin cannot start: %v %v, want Retry", r.Outcome, r.Err)
	}
	time.Sleep(time.Second) // let the restart loop run on
	// Backoff 50, 100, 200, 400, 400, ... ms: in the time that passed, a
	// dozen attempts at most; a tight loop makes hundreds.
	if n, most := h.Restarts(), 3+int(time.Since(began)/(400*time.Millisecond))+1; n < 2 || n > most {
		t.Errorf("%d restarts in %v, want 2..%d", n, time.Since(began), most)
	}
	if err := os.Remove(marker); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the plugin to come back", func() bool { return h.PID() != 0 })
	if r := h.Apply(context.Background(), creates("back"))[0]; r.Outcome != event.OK {
		t.Errorf("after recovery: %v %v", r.Outcome, r.Err)
	}
}

// Run pings the plugin, and restarts one that died while idle.
func TestRunRestartsAPluginThatDiedIdle(t *testing.T) {
	o, _ := options(t, nil)
	o.PingInterval = 100 * time.Millisecond
	h := start(t, o)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- h.Run(ctx) }()
	first := h.PID()
	if err := syscall.Kill(first, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	eventually(t, "Run to restart the plugin", func() bool { p := h.PID(); return p != 0 && p != first })
	if h.Restarts() != 1 {
		t.Errorf("restarts %d, want 1", h.Restarts())
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
	if r := h.Apply(context.Background(), creates("x"))[0]; r.Outcome != event.OK {
		t.Errorf("after restart: %v %v", r.Outcome, r.Err)
	}
}

// A cancelled ctx (shutdown) gives back what is not acknowledged at once,
// and restarts nothing.
func TestApplyReturnsAtOnceWhenCtxEnds(t *testing.T) {
	o, _ := options(t, map[string]any{"hang": "hang"})
	h := start(t, o) // Timeout is 30s
	cancelled, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	// A deadline of the caller's, shorter than Timeout, is no hang either.
	deadline, cancel2 := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel2()
	for _, ctx := range []context.Context{cancelled, deadline} {
		res := h.Apply(ctx, creates("hang", "later"))
		for _, r := range res {
			if r.Outcome != event.Retry {
				t.Errorf("%v: %v %v, want Retry", r.Event, r.Outcome, r.Err)
			}
		}
		if h.Restarts() != 0 || h.PID() == 0 {
			t.Errorf("restarted %d times on the caller's ctx", h.Restarts())
		}
	}
}

// Close ends even a process that is stopped and answers nothing.
func TestCloseStoppedPlugin(t *testing.T) {
	o, _ := options(t, nil)
	h := start(t, o)
	pid := h.PID()
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	closed := make(chan error)
	go func() { closed <- h.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute):
		syscall.Kill(pid, syscall.SIGKILL)
		t.Fatal("Close hangs on a stopped plugin")
	}
	if alive(pid) {
		t.Errorf("process %d alive after Close", pid)
	}
}

// Close ends the process; Apply after it is Retry.
func TestClose(t *testing.T) {
	o, _ := options(t, nil)
	h := start(t, o)
	pid := h.PID()
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, 0); err == nil {
		t.Errorf("process %d still alive after Close", pid)
	}
	if r := h.Apply(context.Background(), creates("x"))[0]; r.Outcome != event.Retry {
		t.Errorf("Apply after Close: %v, want Retry", r.Outcome)
	}
}

// alive reports whether pid is a live process (not gone, not a zombie).
func alive(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false // gone (this reads Linux's /proc)
	}
	// pid (comm) state ...: the state follows the last ')'.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] != 'Z'
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

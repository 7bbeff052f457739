package tunnel

import (
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// TestPool is the pool mode's life: each process gets its own free port
// in its argv; the tunnel is up only once a process has run readyDelay;
// transfers are handed out round robin; a process that exits is started
// again, with a new port, retryDelay later, and meanwhile the other one
// carries everything.
func TestPool(t *testing.T) {
	const ready, retry = 5 * time.Second, 10 * time.Second
	r := startTunnel(t, Options{Mode: Pool, Parallel: 2, ReadyDelay: ready, RetryDelay: retry,
		Command: helperCommand(t, "listen", "^localport")})

	st := r.waitStatus(t, "both processes to start", allRunning())
	ports := []int{st.Procs[0].Port, st.Procs[1].Port}
	if ports[0] == 0 || ports[1] == 0 || ports[0] == ports[1] {
		t.Fatalf("ports = %v, want two different free ports", ports)
	}
	for i, p := range st.Procs {
		argv := cmdline(t, p.PID)
		if got := argv[len(argv)-1]; got != strconv.Itoa(ports[i]) {
			t.Errorf("process %d argv = %q, want ^localport replaced by %d", i+1, argv, ports[i])
		}
		waitFor(t, "the helper to listen on its port", func() bool { return dials(ports[i]) }, func() string { return "" })
	}
	if st.State != Connecting {
		t.Errorf("state before readyDelay = %v, want connecting", st.State)
	}
	if e, ok := r.Endpoint(); ok {
		t.Errorf("Endpoint before readyDelay = %v, want none", e)
	}

	r.clock.Advance(ready - time.Millisecond)
	time.Sleep(50 * time.Millisecond) // time for a wrong early "up" to show
	if open, _ := r.Open(); open {
		t.Fatalf("tunnel up before readyDelay: %v", r.Status())
	}
	r.clock.Advance(time.Millisecond)
	r.waitStatus(t, "the tunnel to be up", func(st Status) bool { return st.State == Up && st.Procs[0].Ready && st.Procs[1].Ready })
	if open, _ := r.Open(); !open {
		t.Fatal("Open = false while up")
	}
	if got := endpoints(r, 4); !slices.Equal(got, []int{ports[0], ports[1], ports[0], ports[1]}) {
		t.Errorf("four transfers went to ports %v, want round robin over %v", got, ports)
	}

	// One process dies: the other carries every transfer until the first
	// is back, on a new port, retryDelay and then readyDelay later.
	dead := st.Procs[0].PID
	syscall.Kill(dead, syscall.SIGKILL)
	st = r.waitStatus(t, "the killed process to be noticed", func(st Status) bool { return st.Procs[0].PID == 0 })
	if st.State != Up {
		t.Errorf("state with one of two processes ready = %v, want up", st.State)
	}
	if got := endpoints(r, 3); !slices.Equal(got, []int{ports[1], ports[1], ports[1]}) {
		t.Errorf("transfers with process 1 dead went to %v, want all to %d", got, ports[1])
	}
	r.clock.Advance(retry - time.Millisecond)
	time.Sleep(50 * time.Millisecond)
	if st := r.Status(); st.Procs[0].PID != 0 || st.Procs[0].Starts != 1 {
		t.Fatalf("process 1 started again before retryDelay: %v", st)
	}
	r.clock.Advance(time.Millisecond)
	st = r.waitStatus(t, "process 1 to start again", allRunning(dead))
	if st.Procs[0].Starts != 2 || st.Procs[0].Ready {
		t.Errorf("restarted process 1: %+v, want its second start, not ready yet", st.Procs[0])
	}
	newPort := st.Procs[0].Port
	r.clock.Advance(ready)
	r.waitStatus(t, "the restarted process to be ready", func(st Status) bool { return st.Procs[0].Ready })
	if got := endpoints(r, 2); !slices.Contains(got, newPort) || !slices.Contains(got, ports[1]) {
		t.Errorf("transfers after the restart went to %v, want both %d and %d", got, newPort, ports[1])
	}
}

// TestDownWhileNothingRuns: a command that exits at once never makes the
// tunnel up; with no process running it is down, and it is started again
// every retryDelay.
func TestDownWhileNothingRuns(t *testing.T) {
	const retry = 10 * time.Second
	r := startTunnel(t, Options{ReadyDelay: time.Second, RetryDelay: retry, Command: helperCommand(t, "exit", "255")})
	for starts := 1; starts <= 3; starts++ {
		st := r.waitStatus(t, "the command to have exited", func(st Status) bool {
			return st.Procs[0].Starts == starts && st.Procs[0].PID == 0
		})
		if st.State != Down {
			t.Fatalf("state with no process running = %v, want down", st.State)
		}
		if _, ok := r.Endpoint(); ok {
			t.Fatal("Endpoint while down: want none")
		}
		r.clock.Advance(retry)
	}
}

// TestCommandMode: one process, the command as written; its endpoint is
// the localhost option without a port.
func TestCommandMode(t *testing.T) {
	r := startTunnel(t, Options{Mode: Command, Parallel: 3, ReadyDelay: time.Second, RetryDelay: time.Second,
		Localhost: "127.0.0.1", Command: helperCommand(t, "listen", "0")})
	st := r.waitStatus(t, "the process to start", allRunning())
	if len(st.Procs) != 1 {
		t.Fatalf("command mode runs %d processes, want 1 whatever parallel says", len(st.Procs))
	}
	r.clock.Advance(time.Second)
	r.waitStatus(t, "the tunnel to be up", func(st Status) bool { return st.State == Up })
	if e, ok := r.Endpoint(); !ok || e != (Endpoint{Host: "127.0.0.1"}) {
		t.Errorf("Endpoint = %v, %t; want 127.0.0.1 and no port", e, ok)
	}
}

// TestCheckCommand: with a checkCommand, a process is ready when its check
// passes (here: its port accepts a connection), not merely after
// readyDelay; a check that keeps failing stops the process after more
// than checkMaxFailed failures, and its slot starts it again retryDelay
// later.
func TestCheckCommand(t *testing.T) {
	const ready, retry = 2 * time.Second, 10 * time.Second
	r := startTunnel(t, Options{Mode: Pool, Parallel: 1, ReadyDelay: ready, RetryDelay: retry,
		Command:      helperCommand(t, "listen", "^localport"),
		CheckCommand: helperCommand(t, "dial", "^localport")})
	st := r.waitStatus(t, "the process to start", allRunning())
	waitFor(t, "the helper to listen", func() bool { return dials(st.Procs[0].Port) }, func() string { return "" })
	r.clock.Advance(ready)
	r.waitStatus(t, "the check to pass", func(st Status) bool { return st.State == Up })

	bad := startTunnel(t, Options{Mode: Pool, Parallel: 1, ReadyDelay: ready, RetryDelay: retry, CheckMaxFailed: 1,
		Command:      helperCommand(t, "listen", "^localport"),
		CheckCommand: helperCommand(t, "exit", "7"), CheckExitCodes: []int{0, 1}})
	first := bad.waitStatus(t, "the process to start", allRunning()).Procs[0].PID
	for failed := 1; failed <= 2; failed++ { // checkMaxFailed = 1: the second failure in a row stops it
		bad.clock.Advance(ready)
		st := bad.waitStatus(t, "a check to fail", func(st Status) bool { return st.Procs[0].FailedChecks == failed || st.Procs[0].PID == 0 })
		if st.State == Up {
			t.Fatalf("up although every check exits 7: %v", st)
		}
	}
	bad.waitStatus(t, "the process to be stopped", func(st Status) bool { return st.Procs[0].PID == 0 })
	if !gone(first) {
		t.Errorf("pid %d still exists after failing its checks", first)
	}
	bad.clock.Advance(retry)
	bad.waitStatus(t, "a new process", allRunning(first))
}

// TestStopKillsEveryProcess: when Run's context ends, every process is
// stopped, one that ignores SIGTERM by SIGKILL after KillGrace, and the
// tunnel is down.
func TestStopKillsEveryProcess(t *testing.T) {
	defer func(g time.Duration) { KillGrace = g }(KillGrace)
	KillGrace = 200 * time.Millisecond
	marker := filepath.Join(t.TempDir(), "ignoring-sigterm-^localport")
	r := startTunnel(t, Options{Mode: Pool, Parallel: 2, Command: helperCommand(t, "stubborn", marker)})
	st := r.waitStatus(t, "both processes to start", allRunning())
	for _, p := range st.Procs {
		f := Expand(marker, Endpoint{Port: p.Port})
		waitFor(t, "the helper to ignore SIGTERM", func() bool { _, err := os.Stat(f); return err == nil }, func() string { return f })
	}
	begin := time.Now()
	r.stop(t)
	if took := time.Since(begin); took < KillGrace {
		t.Errorf("Run returned %v after its context ended, want SIGKILL only after KillGrace %v", took, KillGrace)
	}
	for _, p := range st.Procs {
		if !gone(p.PID) {
			t.Errorf("pid %d still exists after Run returned", p.PID)
		}
	}
	if s := r.State(); s != Down {
		t.Errorf("state after Run = %v, want down", s)
	}
}

// TestExpand: ^localhost and ^localport, and the ${...} spelling of
// lsyncd's example; without a port, ^localport stays as written.
func TestExpand(t *testing.T) {
	e := Endpoint{Host: "localhost", Port: 40001}
	for _, c := range []struct{ in, want string }{
		{"rsync://u@^localhost:^localport/mod", "rsync://u@localhost:40001/mod"},
		{"localhost:${localport}:localhost:873", "localhost:40001:localhost:873"},
		{"${localhost}^localport^localport", "localhost4000140001"},
		{"no placeholders", "no placeholders"},
	} {
		if got := Expand(c.in, e); got != c.want {
			t.Errorf("Expand(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := Expand("^localhost:^localport", Endpoint{Host: "h"}); got != "h:^localport" {
		t.Errorf("Expand without a port = %q, want ^localport kept", got)
	}
}

// endpoints hands out n endpoints and returns their ports.
func endpoints(r *running, n int) []int {
	var ports []int
	for range n {
		if e, ok := r.Endpoint(); ok {
			ports = append(ports, e.Port)
		}
	}
	return ports
}

func dials(port int) bool {
	c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err == nil {
		c.Close()
	}
	return err == nil
}

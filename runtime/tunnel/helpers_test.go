package tunnel

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/clock"
)

// helperArg makes the test binary act as a tunnel or check command (see
// TestMain): real processes, with no tool the machine might lack.
const helperArg = "tunnel-test-helper"

func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == helperArg {
		os.Exit(helper(os.Args[2:]))
	}
	os.Exit(m.Run())
}

// helper is what a helper process does:
//
//	listen PORT   listen on 127.0.0.1:PORT until killed (a tunnel's local end)
//	dial PORT     exit 0 if 127.0.0.1:PORT accepts a connection, else 1 (a check)
//	exit N        exit N at once
//	stubborn FILE ignore SIGTERM, then create FILE, and run until killed
func helper(args []string) int {
	switch args[0] {
	case "listen":
		l, err := net.Listen("tcp", "127.0.0.1:"+args[1])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		for {
			c, err := l.Accept()
			if err != nil {
				return 2
			}
			c.Close()
		}
	case "dial":
		c, err := net.Dial("tcp", "127.0.0.1:"+args[1])
		if err != nil {
			return 1
		}
		c.Close()
		return 0
	case "exit":
		n, _ := strconv.Atoi(args[1])
		fmt.Fprintln(os.Stderr, "helper exiting with", n)
		return n
	case "stubborn":
		signal.Ignore(syscall.SIGTERM)
		if err := os.WriteFile(args[1], nil, 0o644); err != nil {
			return 2
		}
		select {}
	}
	return 3
}

// helperCommand is the argv of a helper process doing args.
func helperCommand(t *testing.T, args ...string) []string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return append([]string{exe, helperArg}, args...)
}

// running is a tunnel under test, its clock, and Run's result.
type running struct {
	*Tunnel
	clock  *clock.Manual
	cancel context.CancelFunc
	done   chan error
}

// startTunnel runs a tunnel with a manual clock until the test ends.
func startTunnel(t *testing.T, opts Options) *running {
	t.Helper()
	clock := clock.NewManual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	opts.Clock = clock
	if opts.Name == "" {
		opts.Name = t.Name()
	}
	opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		opts.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{Tunnel: New(opts), clock: clock, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- r.Run(ctx) }()
	t.Cleanup(func() { r.stop(t) })
	return r
}

// stop ends Run and waits for it.
func (r *running) stop(t *testing.T) {
	t.Helper()
	r.cancel()
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
		r.done <- err // for a later stop
	case <-time.After(time.Minute):
		t.Fatal("Run did not return within a minute of its context ending")
	}
}

// waitFor polls cond (real processes take real time) until it holds, for
// up to a minute: generous, for a slow and busy machine.
func waitFor(t *testing.T, what string, cond func() bool, detail func() string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s: %s", what, detail())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitStatus waits until every process slot satisfies ok, and returns the
// status then.
func (r *running) waitStatus(t *testing.T, what string, ok func(Status) bool) Status {
	t.Helper()
	var st Status
	waitFor(t, what, func() bool { st = r.Status(); return ok(st) }, func() string { return r.Status().String() })
	return st
}

// allRunning reports whether every slot has a process with a pid, and
// none of them is the one listed in old.
func allRunning(old ...int) func(Status) bool {
	return func(st Status) bool {
		for _, p := range st.Procs {
			if p.PID == 0 || slices.Contains(old, p.PID) {
				return false
			}
		}
		return true
	}
}

// cmdline is a process's argv, read from /proc.
func cmdline(t *testing.T, pid int) []string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		t.Fatalf("read the argv of pid %d: %v", pid, err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
}

// gone reports whether no process with pid exists (nor a zombie of it).
func gone(pid int) bool {
	return syscall.Kill(pid, 0) == syscall.ESRCH
}

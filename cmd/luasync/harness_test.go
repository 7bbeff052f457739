package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/direct/treecmp"
)

// binary is the luasync binary under test, built once by TestMain with the
// race detector so the end-to-end runs check the daemon for races too.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "luasync-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "luasync")
	build := exec.Command("go", "build", "-race", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build luasync:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// converge is how long a test waits for a mirror to settle: generous, so
// a slow and busy 2-core machine passes; a correct run finishes in well
// under a second and the wait ends as soon as the trees match.
const converge = 60 * time.Second

// lockedBuffer collects a process's output for assertions while it runs.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// proc is a running luasync.
type proc struct {
	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan struct{}
	err  error
}

// start runs `luasync ARGS...` and returns at once.
func start(t *testing.T, args ...string) *proc {
	t.Helper()
	return startCommand(t, exec.Command(binary, args...))
}

// startCommand runs cmd (luasync, or a wrapper that execs it) and returns
// at once.
func startCommand(t *testing.T, cmd *exec.Cmd) *proc {
	t.Helper()
	p := &proc{cmd: cmd, out: &lockedBuffer{}, done: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start luasync: %v", err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("luasync output:\n%s", p.out.String())
		}
	})
	return p
}

// startRunning runs `luasync run CONFIG` and waits until every watch is in
// place (the daemon logs "luasync running").
func startRunning(t *testing.T, cfg string) *proc {
	t.Helper()
	p := start(t, "run", cfg)
	p.waitRunning(t)
	return p
}

// waitRunning waits until every watch is in place.
func (p *proc) waitRunning(t *testing.T) {
	t.Helper()
	waitFor(t, "luasync to start watching", func() (bool, string) {
		select {
		case <-p.done:
			t.Fatalf("luasync exited early: %v\n%s", p.err, p.out.String())
		default:
		}
		return strings.Contains(p.out.String(), "luasync running"), p.out.String()
	})
}

// stop sends sig and returns the exit code and how long the exit took.
func (p *proc) stop(t *testing.T, sig syscall.Signal) (int, time.Duration) {
	t.Helper()
	begin := time.Now()
	p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(converge):
		t.Fatalf("luasync did not exit within %s of %s", converge, sig)
	}
	return p.cmd.ProcessState.ExitCode(), time.Since(begin)
}

// wait waits for the process to exit by itself and returns its exit code.
func (p *proc) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(converge):
		t.Fatalf("luasync did not exit within %s", converge)
	}
	return p.cmd.ProcessState.ExitCode()
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(converge)
	var last string
	for time.Now().Before(deadline) {
		ok, detail := cond()
		if ok {
			return
		}
		last = detail
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("timed out after %s waiting for %s; last state:\n%s", converge, what, last)
}

// waitIdentical waits until dst mirrors src exactly: paths, types, sizes,
// content, modes, symlink targets and file mtimes.
func waitIdentical(t *testing.T, src, dst string) {
	t.Helper()
	waitFor(t, "the mirror to match the source", func() (bool, string) {
		diff, err := treecmp.Diff(src, dst)
		if err != nil {
			return false, err.Error()
		}
		return len(diff) == 0, strings.Join(head(diff, 20), "\n")
	})
}

func head(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], fmt.Sprintf("... and %d more", len(s)-n))
	}
	return s
}

// mirrorDirs makes src and dst under a fresh temp dir and a config that
// mirrors one to the other with the direct sink, plus extra sync{} keys.
func mirrorDirs(t *testing.T, extra string) (src, dst, cfg string) {
	t.Helper()
	root := t.TempDir()
	src, dst = filepath.Join(root, "src"), filepath.Join(root, "dst")
	if err := os.Mkdir(src, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg = writeConfig(t, root, fmt.Sprintf(`
settings { logLevel = "debug", failLog = %q, shutdownGrace = 3 }
sync { default.direct, source = %q, target = %q, delay = 0.05, %s }
`, filepath.Join(root, "fail.log"), src, dst, extra))
	return src, dst, cfg
}

func writeConfig(t *testing.T, dir, body string) string {
	t.Helper()
	p := filepath.Join(dir, "luasync.lua")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// must fails the test on an error from a workload step.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	must(t, os.WriteFile(path, []byte(content), 0o644))
}

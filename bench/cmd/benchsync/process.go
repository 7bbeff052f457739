package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/luasync/luasync/bench/proctree"
	"github.com/luasync/luasync/bench/tool"
)

// toolProc is a tool under test: its own process group, so it and
// everything it starts can be found, measured and stopped together.
type toolProc struct {
	cmd     *exec.Cmd
	pid     int
	group   bool // stop by signalling the whole group
	exited  chan struct{}
	started time.Time
	known   map[int]bool // every process seen in its tree
}

// startTool starts l with binDir first in PATH, so "rsync" is the
// counting wrapper, and its output in logPath.
func startTool(l tool.Launch, binDir, logPath string) (*toolProc, error) {
	log, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", l.Argv[0], err)
	}
	defer log.Close()
	cmd := exec.Command(l.Argv[0], l.Argv[1:]...)
	cmd.Env = withPath(os.Environ(), binDir)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", l.Argv[0], err)
	}
	t := &toolProc{cmd: cmd, pid: cmd.Process.Pid, group: l.GroupStop, exited: make(chan struct{}), started: time.Now(), known: map[int]bool{}}
	go func() { _ = cmd.Wait(); close(t.exited) }()
	return t, nil
}

func withPath(env []string, dir string) []string {
	out := []string{}
	path := dir
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = dir + ":" + v
			continue
		}
		out = append(out, kv)
	}
	return append(out, "PATH="+path)
}

func (t *toolProc) running() bool {
	select {
	case <-t.exited:
		return false
	default:
		return true
	}
}

// tree lists the tool's processes and remembers them for the final reap.
func (t *toolProc) tree() []proctree.Proc {
	ps, _ := proctree.Tree(t.pid)
	for _, p := range ps {
		t.known[p.PID] = true
	}
	return ps
}

// readiness is what a tool must show before the workload starts.
type readiness struct {
	dirs      int        // directories it must watch
	needRsync bool       // its start-up sync is an rsync run: wait for one
	runs      func() int // rsync runs so far
}

// idleFor is how long a ready tool must stay still: no rsync running and
// at most one clock tick of CPU per poll.
const idleFor = 500 * time.Millisecond

// waitReady returns once the tool watches every directory, has finished
// its start-up sync and has been idle for idleFor.
func (t *toolProc) waitReady(ctx context.Context, r readiness, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	var idleSince time.Time
	lastCPU := time.Duration(-1)
	for {
		if !t.running() {
			return fmt.Errorf("exited during start-up: %v", t.cmd.ProcessState)
		}
		ps := t.tree()
		cpu, watches, syncing := proctree.CPU(ps), 0, false
		for _, p := range ps {
			watches += proctree.InotifyWatches(p.PID)
			syncing = syncing || p.Comm == "rsync"
		}
		ok := watches >= r.dirs && !syncing && (!r.needRsync || r.runs() > 0)
		switch {
		case !ok || lastCPU < 0 || cpu-lastCPU > 10*time.Millisecond:
			idleSince = time.Time{}
		case idleSince.IsZero():
			idleSince = time.Now()
		case time.Since(idleSince) >= idleFor:
			return nil
		}
		lastCPU = cpu
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %s: watching %d of %d directories, rsync running: %v", limit, watches, r.dirs, syncing)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// peakRSSMB sums VmHWM over the tool's own processes; rsync runs are
// workers, counted in CPU but not here.
func (t *toolProc) peakRSSMB() float64 {
	var sum int64
	for _, p := range t.tree() {
		if p.Comm == "rsync" {
			continue
		}
		if b, err := proctree.PeakRSS(p.PID); err == nil {
			sum += b
		}
	}
	return float64(sum) / (1 << 20)
}

// stopGrace is how long a tool may take to exit after SIGTERM; luasync
// drains for up to its shutdownGrace (5 s) first.
const stopGrace = 30 * time.Second

// stop sends SIGTERM (to the group for the shell loop), kills what is left
// after stopGrace, and returns the CPU time of the tool and every child
// it or the harness reaped.
func (t *toolProc) stop() (time.Duration, error) {
	t.tree()
	target := t.pid
	if t.group {
		target = -t.pid
	}
	_ = syscall.Kill(target, syscall.SIGTERM)
	var errs []string
	select {
	case <-t.exited:
	case <-time.After(stopGrace):
		errs = append(errs, fmt.Sprintf("did not exit %s after SIGTERM; killed", stopGrace))
		_ = syscall.Kill(-t.pid, syscall.SIGKILL)
		<-t.exited
	}
	st := t.cmd.ProcessState
	cpu := st.UserTime() + st.SystemTime()
	orphans, err := proctree.ReapOrphans(t.pid, t.known, 10*time.Second)
	if err != nil {
		errs = append(errs, err.Error())
	}
	if len(errs) > 0 {
		return cpu + orphans, fmt.Errorf("stop: %s", strings.Join(errs, "; "))
	}
	return cpu + orphans, nil
}

// countRuns reads the wrapper's counter: one line per rsync started.
func countRuns(path string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	return bytes.Count(data, []byte("\n"))
}

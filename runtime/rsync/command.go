package rsync

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"syscall"
	"time"
)

// stderrLimit bounds what is kept of a run's stderr, for attributing
// failures to paths; past it the run's failures are not attributed.
var stderrLimit = 8 << 20

// killGrace is how long a cancelled run has between SIGTERM and SIGKILL.
var killGrace = 10 * time.Second

// result is how one process run ended.
type result struct {
	code      int
	signaled  bool
	stdout    []byte // only as much as run was asked to keep
	stderr    []byte
	truncated bool          // stderr went past stderrLimit
	err       error         // it could not start, or ctx ended it
	cpu       time.Duration // user + system time of the run and the children it waited for
}

// class is the run's exit class; a run that did not start, or was cut
// short by ctx, is Retry.
func (r result) class() Class {
	if r.err != nil {
		return Retry
	}
	return ExitClass(r.code, r.signaled)
}

// failure describes a run that did not end OK, for an event's Err.
func (r result) failure(what string) error {
	if r.err != nil {
		return fmt.Errorf("%s: %w", what, r.err)
	}
	msg := fmt.Sprintf("%s: exit %d (%s)", what, r.code, exitMeaning(r.code, r.signaled))
	if r.signaled {
		msg = fmt.Sprintf("%s: %s", what, exitMeaning(r.code, true))
	}
	if tail := lastLines(r.stderr, 5); tail != "" {
		msg += ": " + tail
	}
	if hint := exitHint(r.code, r.signaled); hint != "" {
		msg += " (" + hint + ")"
	}
	return errors.New(msg)
}

// run starts argv with stdin, waits for it, and keeps its stderr and the
// first stdoutLimit bytes of its stdout. The
// process gets its own process group, so a terminal's ^C reaches luasync
// (which drains its queues) rather than killing transfers, and so
// cancelling ctx stops rsync's children too: SIGTERM to the group, then
// SIGKILL after killGrace.
func run(ctx context.Context, argv []string, stdin []byte, stdoutLimit int) result {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdin = bytes.NewReader(stdin)
	stderr := &capped{limit: stderrLimit}
	cmd.Stderr = stderr
	stdout := &capped{limit: stdoutLimit}
	cmd.Stdout = stdout
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }
	cmd.WaitDelay = killGrace
	err := cmd.Run()
	res := result{stdout: stdout.buf.Bytes(), stderr: stderr.buf.Bytes(), truncated: stderr.over}
	if ps := cmd.ProcessState; ps != nil {
		res.cpu = ps.UserTime() + ps.SystemTime()
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case ctx.Err() != nil:
		res.err = ctx.Err()
	case errors.As(err, &exit):
		ws, _ := exit.Sys().(syscall.WaitStatus)
		res.code, res.signaled = exit.ExitCode(), ws.Signaled()
	default:
		res.err = err
	}
	return res
}

// capped keeps the first limit bytes written to it and discards the rest,
// so a chatty run (rsync -v) cannot grow memory without bound.
type capped struct {
	buf   bytes.Buffer
	limit int
	over  bool
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.limit - c.buf.Len(); room < len(p) {
		c.over = true
		c.buf.Write(p[:max(room, 0)])
		return len(p), nil
	}
	c.buf.Write(p)
	return len(p), nil
}

// lastLines returns the last n non-empty lines of b, joined with "; ".
func lastLines(b []byte, n int) string {
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("; ")))
}

package rsync

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
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

// sourceRaced reports exit 2 from the receiver's check that every file's
// parent directory is in the file list: with --files-from, a listed path
// whose parent directory was renamed or deleted while rsync built the list
// gets there without its parent (seen with rsync 3.5.0 over ssh, under a
// tree renamed at full speed). The options are fine; the source moved, and
// the run is worth another try once the events that say how are in.
func sourceRaced(r result) bool {
	return !r.signaled && r.code == 2 && bytes.Contains(r.stderr, []byte("ABORTING due to invalid path from sender"))
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

// run starts argv, writes stdin to it, waits for it, and keeps its stderr
// and the first stdoutLimit bytes of its stdout. The process gets its own
// process group, so a terminal's ^C reaches luasync (which drains its
// queues) rather than killing transfers, and so cancelling ctx stops
// rsync's children too: SIGTERM to the group, then SIGKILL after
// killGrace.
func run(ctx context.Context, argv []string, stdin []byte, stdoutLimit int) result {
	p, err := startProc(argv, stdoutLimit)
	if err != nil {
		return result{err: err}
	}
	return p.finish(ctx, stdin)
}

// proc is a started process whose stdin is still open: it may wait there
// (an rsync reading --files-from=-) until finish writes it.
type proc struct {
	cmd            *exec.Cmd
	stdin          io.WriteCloser
	stdout, stderr *capped
	exited         chan struct{} // closed once Wait returned
	waitErr        error
}

// startProc starts argv in its own process group with a pipe on stdin.
func startProc(argv []string, stdoutLimit int) (*proc, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	p := &proc{cmd: cmd, stdout: &capped{limit: stdoutLimit}, stderr: &capped{limit: stderrLimit},
		exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = killGrace // a child left holding stdout or stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p.stdin = in
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// alive reports whether the process has not exited yet.
func (p *proc) alive() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// finish writes stdin, closes it, and waits for the process; cancelling
// ctx sends SIGTERM to its group, and SIGKILL killGrace later.
func (p *proc) finish(ctx context.Context, stdin []byte) result {
	go func() {
		// A process that exits without reading makes the write fail;
		// its exit status says why.
		p.stdin.Write(stdin)
		p.stdin.Close()
	}()
	var cancelled error
	select {
	case <-p.exited:
	case <-ctx.Done():
		cancelled = ctx.Err()
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(killGrace):
			syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			<-p.exited
		}
	}
	res := result{stdout: p.stdout.buf.Bytes(), stderr: p.stderr.buf.Bytes(), truncated: p.stderr.over}
	if ps := p.cmd.ProcessState; ps != nil {
		res.cpu = ps.UserTime() + ps.SystemTime()
	}
	var exit *exec.ExitError
	switch err := p.waitErr; {
	case cancelled != nil:
		res.err = cancelled
	case err == nil:
	case errors.As(err, &exit):
		ws, _ := exit.Sys().(syscall.WaitStatus)
		res.code, res.signaled = exit.ExitCode(), ws.Signaled()
	default:
		res.err = err
	}
	return res
}

// capped keeps the first limit bytes written to it and discards the rest,
// so a chatty run (rsync -v) cannot grow memory without bound. It is read
// only after Wait, when exec's copying goroutines are done.
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

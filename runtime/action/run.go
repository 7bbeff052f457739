package action

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/luasync/luasync/runtime/event"
)

// Exit codes for a process that could not be started, as a shell reports
// them: 127 when the binary does not exist, 126 when it cannot be run.
const (
	exitNotFound  = 127
	exitCannotRun = 126
)

// killGrace is how long a process has between SIGTERM and SIGKILL when the
// sink closes.
const killGrace = 5 * time.Second

// run starts one spawned process, without a shell, waits for it and
// returns its exit code (128+N when signal N ended it). What it prints is
// logged line by line, up to OutputLimit bytes.
func (s *Sink) run(sp event.Spawn) int {
	bin := sp.Argv[0]
	if !strings.Contains(bin, "/") {
		p, err := exec.LookPath(bin)
		if err != nil {
			s.log.Error("action: cannot find the binary to spawn", "binary", bin, "err", err)
			return exitNotFound
		}
		bin = p
	}
	ctx := s.ctx
	if sp.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, sp.Timeout)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, bin, sp.Argv[1:]...)
	cmd.Args[0] = sp.Argv[0]
	cmd.Dir = s.opts.Dir
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = killGrace
	if sp.HasStdin {
		cmd.Stdin = strings.NewReader(sp.Stdin)
	}
	out := &capped{limit: s.opts.OutputLimit}
	cmd.Stdout, cmd.Stderr = out, out
	begin := time.Now()
	err := cmd.Run()
	code := exitCode(err)
	s.logOutput(sp, out)
	if code < 0 {
		s.log.Error("action: spawn failed", "binary", bin, "err", err)
		code = exitCannotRun
		if errors.Is(err, fs.ErrNotExist) {
			code = exitNotFound
		}
	}
	s.log.Debug("action: process ended", "argv", sp.Argv, "exit", code,
		"took", time.Since(begin).Round(time.Millisecond))
	return code
}

// exitCode is the process's exit status, 128+N for signal N, or -1 when
// it did not run at all.
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return -1
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ee.ExitCode()
}

func (s *Sink) logOutput(sp event.Spawn, out *capped) {
	sc := bufio.NewScanner(bytes.NewReader(out.buf.Bytes()))
	sc.Buffer(nil, len(out.buf.Bytes())+1)
	for sc.Scan() {
		s.log.Info("action output", "argv0", sp.Argv[0], "line", sc.Text())
	}
	if out.dropped > 0 {
		s.log.Warn("action output cut", "argv0", sp.Argv[0], "dropped_bytes", out.dropped)
	}
}

// capped keeps the first limit bytes written to it and counts the rest.
type capped struct {
	buf     bytes.Buffer
	limit   int
	dropped int
}

func (c *capped) Write(p []byte) (int, error) {
	room := c.limit - c.buf.Len()
	if room < len(p) {
		c.dropped += len(p) - max(room, 0)
		if room > 0 {
			c.buf.Write(p[:room])
		}
		return len(p), nil
	}
	return c.buf.Write(p)
}

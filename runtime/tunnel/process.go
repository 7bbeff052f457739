package tunnel

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// KillGrace is how long a stopped process has between SIGTERM and SIGKILL.
var KillGrace = 5 * time.Second

// process is one running tunnel (or check) command.
type process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed once Wait returned
	err  error         // Wait's error, once done
}

// spawn starts argv in its own process group (so a terminal's ^C reaches
// luasync, which stops the tunnel in order, and so stopping it reaches
// what it started), logging what it prints, and reports its exit on
// t.exits.
func (t *Tunnel) spawn(argv []string, n int) (*process, error) {
	p, err := startProcess(argv, &lineLogger{log: t.log, process: n})
	if err != nil {
		return nil, err
	}
	go func() {
		<-p.done
		select {
		case t.exits <- p:
		case <-t.stopped:
		}
	}()
	return p, nil
}

// startProcess starts argv with out as its stdout and stderr.
func startProcess(argv []string, out flushWriter) (*process, error) {
	if len(argv) == 0 || argv[0] == "" {
		return nil, errors.New("empty command")
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = KillGrace // a child left holding the output pipe
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", argv[0], err)
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		out.flush()
		close(p.done)
	}()
	return p, nil
}

func (p *process) pid() int { return p.cmd.Process.Pid }

// status describes how the process ended: "exit 255", "signal: killed".
func (p *process) status() string {
	var exit *exec.ExitError
	switch {
	case p.err == nil:
		return "exit 0"
	case errors.As(p.err, &exit):
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return "signal: " + ws.Signal().String()
		}
		return fmt.Sprintf("exit %d", exit.ExitCode())
	}
	return p.err.Error()
}

// exitCode is the process's exit code, or -1 when a signal ended it.
func (p *process) exitCode() int { return p.cmd.ProcessState.ExitCode() }

// terminate sends SIGTERM to the process group, and SIGKILL KillGrace
// later if it is still there.
func (p *process) terminate() {
	pid, grace := p.pid(), KillGrace
	syscall.Kill(-pid, syscall.SIGTERM)
	go func() {
		select {
		case <-p.done:
		case <-time.After(grace):
			syscall.Kill(-pid, syscall.SIGKILL)
		}
	}()
}

func (p *process) wait() { <-p.done }

// freePort asks the kernel for a port on 127.0.0.1 that nothing listens
// on, as lsyncd does. Another program may take it before the tunnel binds
// it: ssh then fails with "Address already in use" (or, without
// ExitOnForwardFailure=yes, runs without the forward).
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// flushWriter takes a process's output; flush is called once it exited.
type flushWriter interface {
	io.Writer
	flush()
}

// lineLogger logs what a process prints, a line at a time (at most
// maxLine bytes of each): ssh says why a forward failed on stderr.
type lineLogger struct {
	log     *slog.Logger
	process int
	mu      sync.Mutex
	buf     []byte
}

const maxLine = 1024

func (l *lineLogger) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, b...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			if len(l.buf) > maxLine {
				l.emit(l.buf[:maxLine])
				l.buf = l.buf[:0]
			}
			return len(b), nil
		}
		l.emit(l.buf[:i])
		l.buf = l.buf[i+1:]
	}
}

func (l *lineLogger) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) > 0 {
		l.emit(l.buf)
		l.buf = nil
	}
}

func (l *lineLogger) emit(line []byte) {
	line = bytes.TrimRight(line, "\r")
	if len(line) > maxLine {
		line = line[:maxLine]
	}
	if len(line) == 0 {
		return
	}
	l.log.Warn("tunnel process output", "process", l.process, "line", string(line))
}

package rsynctest

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// server is one run of a server process, in its own process group so that
// stopping it also stops the children it forked for connections.
type server struct {
	cmd    *exec.Cmd
	exited chan struct{}
}

// startServer starts argv with stdout and stderr appended to logFile and
// waits until it listens on port.
func startServer(argv []string, logFile string, port int) (*server, error) {
	log, err := os.OpenFile(logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	defer log.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", argv[0], err)
	}
	s := &server{cmd: cmd, exited: make(chan struct{})}
	go func() {
		cmd.Wait()
		close(s.exited)
	}()
	if err := waitListening(port, s.exited); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// stop ends the process group: SIGTERM, then SIGKILL if it lingers.
func (s *server) stop() {
	pgid := s.cmd.Process.Pid
	syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
		syscall.Kill(-pgid, syscall.SIGKILL)
		<-s.exited
	}
	// Connection children may outlive the parent briefly; make sure none
	// keeps serving a "stopped" server.
	syscall.Kill(-pgid, syscall.SIGKILL)
}

// logTail returns the end of a log file, for failure messages.
func logTail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

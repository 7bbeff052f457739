package rsynctest

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// Require returns the path of tool, looked up in PATH and then in the
// sbin directories (where sshd lives), or fails the test with the command
// that installs it. A missing tool is never a reason to skip.
func Require(tb testing.TB, tool, installHint string) string {
	tb.Helper()
	if p, err := exec.LookPath(tool); err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/sbin", "/usr/local/sbin"} {
		p := filepath.Join(dir, tool)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
			return p
		}
	}
	tb.Fatalf("%s not found; install it: %s", tool, installHint)
	return ""
}

// freePort asks the kernel for a free port on 127.0.0.1. Another process
// may take it before the server binds it; the starters retry on a new one.
func freePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// errExited: the server process ended before it accepted connections.
var errExited = errors.New("server exited before listening")

// waitListening polls until 127.0.0.1:port accepts a connection, the
// process ends (exited is closed), or 10 s pass.
func waitListening(port int, exited <-chan struct{}) error {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case <-exited:
			return errExited
		default:
		}
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

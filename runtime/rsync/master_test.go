package rsync_test

import (
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/rsync"
	"github.com/luasync/luasync/runtime/rsync/rsynctest"
)

// sshSink is a sink to a directory over a fresh sshd, with the sshd.
func sshSink(t *testing.T, tune func(*rsync.Options)) (*rsync.Sink, *rsynctest.SSHD, string, string) {
	t.Helper()
	var sshd *rsynctest.SSHD
	s, src, mirror := newSink(t, targetKind{"ssh", true, sshSetup(&sshd)}, tune)
	return s, sshd, src, mirror
}

// waitShared waits until the sink's shared connection answers (want) or
// not.
func waitShared(t *testing.T, s *rsync.Sink, want bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for rsync.SharedUp(s) != want {
		if time.Now().After(deadline) {
			t.Fatalf("shared ssh connection up = %t after 30 s, want %t", !want, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// renameBatches applies n batches that each rename a file and create
// another, so each runs a move script and an rsync over ssh.
func renameBatches(t *testing.T, s *rsync.Sink, src string, n int) {
	t.Helper()
	for i := range n {
		from, to, fresh := fmt.Sprintf("r%d", i), fmt.Sprintf("r%d", i+1), fmt.Sprintf("new%d", i)
		if i == 0 {
			write(t, src, from, "moved along")
			apply(t, s, create(from))
		}
		rename(t, src, from, to)
		write(t, src, fresh, fresh)
		apply(t, s, move(from, to), create(fresh))
	}
}

// TestSSHSharedConnection: once the shared connection is up, batches with
// moves (a move script and an rsync run each) make no new login; Close
// stops it and removes its socket, and the next batch still works.
func TestSSHSharedConnection(t *testing.T) {
	s, sshd, src, mirror := sshSink(t, nil)
	write(t, src, "a", "a")
	apply(t, s, rescan("")) // starts the shared connection
	waitShared(t, s, true)
	before := sshd.Logins(t)
	renameBatches(t, s, src, 5)
	same(t, src, mirror)
	if got := sshd.Logins(t) - before; got != 0 {
		t.Errorf("5 batches with moves logged in %d more times; with the shared connection up they should log in 0 times", got)
	}
	sock := rsync.ControlSocket(s)
	s.Close()
	if rsync.SharedUp(s) {
		t.Error("the shared connection still answers after Close")
	}
	if _, err := os.Lstat(sock); !os.IsNotExist(err) {
		t.Errorf("control socket %s after Close: %v, want it removed", sock, err)
	}
	write(t, src, "after", "after close")
	apply(t, s, create("after"))
	same(t, src, mirror)
}

// TestSSHNoMultiplex: multiplex = false makes no socket, and every ssh run
// logs in (what the test above counts is real).
func TestSSHNoMultiplex(t *testing.T) {
	s, sshd, src, mirror := sshSink(t, func(o *rsync.Options) { o.SSH.NoMultiplex = true })
	if sock := rsync.ControlSocket(s); sock != "" {
		t.Fatalf("multiplex = false, yet the sink has a control socket %s", sock)
	}
	write(t, src, "a", "a")
	apply(t, s, rescan(""))
	before := sshd.Logins(t)
	renameBatches(t, s, src, 3)
	same(t, src, mirror)
	// Each batch: one move script, one rsync; the first adds one rsync.
	if got := sshd.Logins(t) - before; got < 6 {
		t.Errorf("3 batches with moves, each connecting on its own, logged in %d times, want at least 6", got)
	}
}

// TestSSHSharedConnectionKilled: a master killed with SIGKILL leaves its
// socket behind; runs still work (connecting on their own), and a new
// shared connection replaces it.
func TestSSHSharedConnectionKilled(t *testing.T) {
	s, sshd, src, mirror := sshSink(t, nil)
	write(t, src, "a", "a")
	apply(t, s, rescan(""))
	waitShared(t, s, true)
	sock := rsync.ControlSocket(s)
	check := append(append([]string{"-o", "ControlPath=" + sock}, sshd.Args()...), "-O", "check", sshd.User+"@"+sshd.Host)
	out, err := exec.Command("ssh", check...).CombinedOutput()
	m := regexp.MustCompile(`pid=(\d+)`).FindSubmatch(out)
	if err != nil || m == nil {
		t.Fatalf("ssh -O check: %v: %s", err, out)
	}
	pid, _ := strconv.Atoi(string(m[1]))
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill the master (pid %d): %v", pid, err)
	}
	waitShared(t, s, false)
	if _, err := os.Lstat(sock); err != nil {
		t.Fatalf("a killed master should leave its socket behind: %v", err)
	}
	renameBatches(t, s, src, 2)
	same(t, src, mirror)
	waitShared(t, s, true)
	before := sshd.Logins(t)
	write(t, src, "b", "b")
	apply(t, s, create("b"))
	same(t, src, mirror)
	if got := sshd.Logins(t) - before; got != 0 {
		t.Errorf("a batch over the new shared connection logged in %d times, want 0", got)
	}
}

package pidfile

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestLock is the pidfile's life: written with the PID, refused to a second
// locker with that PID in the message, removed at the end, and free again.
func TestLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lsyncd.pid")
	p, err := Lock(path)
	if err != nil {
		t.Fatal(err)
	}
	pid := strconv.Itoa(os.Getpid())
	if b, err := os.ReadFile(path); err != nil || string(b) != pid+"\n" {
		t.Fatalf("pidfile holds %q (%v), want %q", b, err, pid+"\n")
	}
	// flock locks belong to an open file description, so a second Lock in
	// this process conflicts just as another process's would.
	_, err = Lock(path)
	if !errors.Is(err, ErrHeld) || !strings.Contains(err.Error(), "pid "+pid) || !strings.Contains(err.Error(), path) {
		t.Fatalf("second Lock = %v, want ErrHeld naming %s and pid %s", err, path, pid)
	}
	if err := p.Remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("pidfile still there after Remove: %v", err)
	}
	p, err = Lock(path)
	if err != nil {
		t.Fatalf("Lock after Remove: %v", err)
	}
	p.Remove()
}

// TestLockStaleFile: a pidfile left by a process that died (no lock on it)
// is taken over and rewritten.
func TestLockStaleFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lsyncd.pid")
	if err := os.WriteFile(path, []byte("999999999\nmore junk\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := Lock(path)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Remove()
	if b, _ := os.ReadFile(path); string(b) != strconv.Itoa(os.Getpid())+"\n" {
		t.Fatalf("pidfile holds %q after taking over a stale one", b)
	}
}

// TestLockMissingDirectory names the path and the operation.
func TestLockMissingDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no", "such", "dir", "x.pid")
	_, err := Lock(path)
	if err == nil || !strings.Contains(err.Error(), "open pidfile "+path) || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Lock = %v, want an open error naming %s", err, path)
	}
}

package rsync_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/event"
	"github.com/luasync/luasync/runtime/rsync"
	"github.com/luasync/luasync/runtime/rsync/rsynctest"
)

// TestPasswordFileRefused: New refuses a password file that group or
// others can read, as rsync refuses one others can read, and says how to
// fix it.
func TestPasswordFileRefused(t *testing.T) {
	dir := t.TempDir()
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o660} {
		pw := filepath.Join(dir, "pw"+strconv.Itoa(int(mode)))
		if err := os.WriteFile(pw, []byte("secret-password\n"), mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(pw, mode) // past the umask
		_, err := rsync.New(rsync.Options{Source: dir, Target: mustTarget(t, "u@host::mod"), PasswordFile: pw})
		if err == nil || !strings.Contains(err.Error(), "chmod 600 "+pw) || strings.Contains(err.Error(), "secret-password") {
			t.Errorf("mode %04o: New = %v, want a refusal that says chmod 600 (and never the password)", mode, err)
		}
	}
	_, err := rsync.New(rsync.Options{Source: dir, Target: mustTarget(t, "u@host::mod"), PasswordFile: filepath.Join(dir, "missing")})
	if err == nil || !strings.Contains(err.Error(), "password file") {
		t.Errorf("missing password file: New = %v", err)
	}
}

// TestDaemonAuthAndOutage against a real daemon: a wrong password is exit
// 5 and retried; a daemon that is down (exit 10) or that accepts and then
// says nothing (30/35, bounded by Timeout) is retried; once the daemon is
// back, the same batch converges.
func TestDaemonAuthAndOutage(t *testing.T) {
	d := rsynctest.StartDaemon(t, rsynctest.DaemonOptions{})
	src := t.TempDir()
	write(t, src, "f", "content")
	mkdir(t, src, "dir")
	write(t, src, "dir/g", "more")
	batch := event.Batch{create("f"), createDir("dir"), rescan("")}
	newSink := func(pwFile, target string, timeout time.Duration) *rsync.Sink {
		s, err := rsync.New(rsync.Options{Source: src, Target: mustTarget(t, target), PasswordFile: pwFile, Delete: true, FullDelete: true, Timeout: timeout})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	wantAll := func(s *rsync.Sink, want event.Outcome, codes ...string) {
		t.Helper()
		for _, r := range s.Apply(context.Background(), batch) {
			if r.Outcome != want {
				t.Fatalf("%v: %v (%v), want %v", r.Event, r.Outcome, r.Err, want)
			}
			if want == event.OK {
				continue
			}
			if !containsAny(r.Err.Error(), codes) {
				t.Errorf("%v: error %q, want one of %q", r.Event, r.Err, codes)
			}
		}
	}

	wrong := filepath.Join(t.TempDir(), "wrong")
	if err := os.WriteFile(wrong, []byte("not-the-password\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	wantAll(newSink(wrong, d.Target("m"), 30*time.Second), event.Retry, "exit 5 ")

	s := newSink(d.PasswordFile, d.Target("m"), 30*time.Second)
	d.Stop()
	wantAll(s, event.Retry, "exit 10 ")
	d.Start()
	wantAll(s, event.OK)
	same(t, src, filepath.Join(d.Dir, "m"))

	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close() // hold it open, say nothing
		}
	}()
	mute := "rsync://u@" + silent.Addr().String() + "/mod"
	batch = event.Batch{create("f")}
	wantAll(newSink(d.PasswordFile, mute, time.Second), event.Retry, "exit 30 ", "exit 35 ")
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// TestTargetParentMissing: as with rsync, a remote target whose parent
// directory is missing fails (and is retried, saying why), unless the
// rsync table asks for --mkpath.
func TestTargetParentMissing(t *testing.T) {
	d := rsynctest.StartDaemon(t, rsynctest.DaemonOptions{})
	src := t.TempDir()
	write(t, src, "f", "x")
	for _, args := range [][]string{nil, {"--archive", "--mkpath"}} {
		s, err := rsync.New(rsync.Options{Source: src, Target: mustTarget(t, d.Target("a/b/c")), PasswordFile: d.PasswordFile, Args: args})
		if err != nil {
			t.Fatal(err)
		}
		res := s.Apply(context.Background(), event.Batch{create("f")})
		if args == nil {
			if res[0].Outcome != event.Retry || !strings.Contains(res[0].Err.Error(), "No such file or directory") {
				t.Errorf("missing parent: %v (%v), want retry saying why", res[0].Outcome, res[0].Err)
			}
			continue
		}
		if res[0].Outcome != event.OK {
			t.Fatalf("with --mkpath: %v (%v)", res[0].Outcome, res[0].Err)
		}
	}
	same(t, src, filepath.Join(d.Dir, "a/b/c"))
}

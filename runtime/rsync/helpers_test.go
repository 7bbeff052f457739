package rsync_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/direct/treecmp"
	"github.com/luasync/luasync/runtime/event"
	"github.com/luasync/luasync/runtime/rsync"
	"github.com/luasync/luasync/runtime/rsync/rsynctest"
)

// targetKind builds a sink of one kind of target for a source, and says
// where the mirror can be read locally.
type targetKind struct {
	name string
	// renames: moves keep the target's inode (local and ssh targets).
	renames bool
	setup   func(t testing.TB, opts *rsync.Options) (mirror string)
}

// targetKinds are the three kinds of target, each backed by the real
// thing on 127.0.0.1: a local directory, an rsync daemon module with an
// auth user and password file, and a directory over a real sshd.
var targetKinds = []targetKind{
	{"local", true, func(t testing.TB, opts *rsync.Options) string {
		mirror := filepath.Join(t.TempDir(), "mirror dir")
		opts.Target = mustTarget(t, mirror)
		return mirror
	}},
	{"daemon", false, func(t testing.TB, opts *rsync.Options) string {
		d := rsynctest.StartDaemon(t, rsynctest.DaemonOptions{})
		opts.Target = mustTarget(t, d.Target("mirror dir"))
		opts.PasswordFile = d.PasswordFile
		return filepath.Join(d.Dir, "mirror dir")
	}},
	{"ssh", true, sshSetup(nil)},
}

// sshSetup starts an sshd and points opts at a directory through it; the
// sshd goes to *started when started is not nil.
func sshSetup(started **rsynctest.SSHD) func(t testing.TB, opts *rsync.Options) string {
	return func(t testing.TB, opts *rsync.Options) string {
		sshd := rsynctest.StartSSHD(t)
		if started != nil {
			*started = sshd
		}
		mirror := filepath.Join(t.TempDir(), "remote mirror")
		opts.Target = mustTarget(t, sshd.Target(mirror))
		opts.Target.Port = sshd.Port
		opts.SSH = rsync.SSHOptions{IdentityFile: sshd.IdentityFile, Options: sshd.Options}
		return mirror
	}
}

func mustTarget(t testing.TB, s string) rsync.Target {
	t.Helper()
	tg, err := rsync.ParseTarget(s)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

// newSink makes a sink for kind with a fresh source directory; Delete and
// FullDelete are on, as they are by default in a config.
func newSink(t testing.TB, kind targetKind, tune func(*rsync.Options)) (s *rsync.Sink, src, mirror string) {
	t.Helper()
	rsynctest.Require(t, "rsync", "apt-get install -y rsync")
	src = filepath.Join(t.TempDir(), "source")
	mkdir(t, src, "")
	opts := rsync.Options{Source: src, Delete: true, FullDelete: true, Timeout: 30 * time.Second}
	mirror = kind.setup(t, &opts)
	if tune != nil {
		tune(&opts)
	}
	s, err := rsync.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, src, mirror
}

// apply applies a batch and fails the test unless every event is OK.
func apply(t testing.TB, s *rsync.Sink, b ...event.Event) {
	t.Helper()
	for _, r := range s.Apply(context.Background(), b) {
		if r.Outcome != event.OK {
			t.Fatalf("%v: %v: %v", r.Event, r.Outcome, r.Err)
		}
	}
}

// same fails the test unless the mirror is identical to the source.
func same(t testing.TB, src, mirror string) {
	t.Helper()
	diff, err := treecmp.Diff(src, mirror)
	if err != nil {
		t.Fatal(err)
	}
	if len(diff) > 0 {
		t.Fatalf("mirror differs from source:\n%s", strings.Join(diff, "\n"))
	}
}

func write(t testing.TB, root, rel, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(root, rel), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mkdir(t testing.TB, root, rel string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(root, rel), 0o755); err != nil {
		t.Fatal(err)
	}
}

func rename(t testing.TB, root, from, to string) {
	t.Helper()
	if err := os.Rename(filepath.Join(root, from), filepath.Join(root, to)); err != nil {
		t.Fatal(err)
	}
}

func removeAll(t testing.TB, root, rel string) {
	t.Helper()
	if err := os.RemoveAll(filepath.Join(root, rel)); err != nil {
		t.Fatal(err)
	}
}

func chmod(t testing.TB, root, rel string, mode os.FileMode) {
	t.Helper()
	if err := os.Chmod(filepath.Join(root, rel), mode); err != nil {
		t.Fatal(err)
	}
}

func symlink(t testing.TB, root, rel, to string) {
	t.Helper()
	if err := os.Symlink(to, filepath.Join(root, rel)); err != nil {
		t.Fatal(err)
	}
}

func lstat(t testing.TB, root, rel string) os.FileInfo {
	t.Helper()
	fi, err := os.Lstat(filepath.Join(root, rel))
	if err != nil {
		t.Fatal(err)
	}
	return fi
}

// ev builders, named for readability in batches.
func create(p string) event.Event    { return event.Event{Op: event.Create, Path: p} }
func createDir(p string) event.Event { return event.Event{Op: event.Create, Path: p, IsDir: true} }
func modify(p string) event.Event    { return event.Event{Op: event.Modify, Path: p} }
func attrib(p string) event.Event    { return event.Event{Op: event.Attrib, Path: p} }
func attribDir(p string) event.Event { return event.Event{Op: event.Attrib, Path: p, IsDir: true} }
func del(p string) event.Event       { return event.Event{Op: event.Delete, Path: p} }
func delDir(p string) event.Event    { return event.Event{Op: event.Delete, Path: p, IsDir: true} }
func rescan(p string) event.Event    { return event.Event{Op: event.Rescan, Path: p, IsDir: true} }
func move(from, to string) event.Event {
	return event.Event{Op: event.Move, From: from, Path: to}
}
func moveDir(from, to string) event.Event {
	return event.Event{Op: event.Move, From: from, Path: to, IsDir: true}
}

//go:build linux && !watch_fsnotify

package watch

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/luasync/luasync/runtime/event"
)

// TestFlush: once Flush returns, every change made before it has been
// sent, and the count it returns covers them; an idle watcher then sleeps
// (Flush wakes its read, which must not leave it spinning).
func TestFlush(t *testing.T) {
	root := t.TempDir()
	r := start(t, root, Options{})
	var want []string
	for i := range 10 {
		dir := fmt.Sprintf("d%d/e", i)
		mkdirs(t, root, dir)
		for j := range 5 {
			p := fmt.Sprintf("%s/f%d", dir, j)
			mustWrite(t, filepath.Join(root, p), "x")
			want = append(want, "Create "+p)
		}
	}
	flush(t, r.w)
	sent := r.w.sent.Load()
	if !eventually(func() bool { return uint64(len(r.events())) >= sent }) {
		t.Fatalf("received %d events, Flush said %d were sent", len(r.events()), sent)
	}
	first := r.events()[:sent]
	for _, w := range want {
		if !has(first, w) {
			t.Errorf("%s was not among the %d events sent before Flush returned", w, sent)
		}
	}
	for range 20 {
		flush(t, r.w)
	}
	before := r.w.rounds.Load()
	time.Sleep(200 * time.Millisecond)
	if n := r.w.rounds.Load() - before; n > 5 {
		t.Errorf("an idle watcher went round its loop %d times in 200 ms", n)
	}
}

// TestShutdownHandsOnWhatWasRead: when Run's context ends, a rename's
// first half still waiting for its second is sent (as the Delete it is
// then), and so is everything the kernel had queued by then.
func TestShutdownHandsOnWhatWasRead(t *testing.T) {
	root, out := t.TempDir(), t.TempDir()
	mustWrite(t, root+"/f", "x")
	old := pairWait
	pairWait = time.Hour // the first half would wait for ever
	w, err := Open(root, Options{Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	hookEvent = func(mask uint32, rel string) {
		if maskName(mask) == "MOVED_FROM" && rel == "f" {
			cancel()
			mustWrite(t, root+"/g", "queued, not read")
		}
	}
	t.Cleanup(func() { hookEvent, pairWait = nil, old })
	events := make(chan event.Event, 100)
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx, events) }()
	mustRename(t, root+"/f", out+"/f")
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	close(events)
	var got []event.Event
	for e := range events {
		got = append(got, e)
	}
	for _, want := range []string{"Delete f", "Create g"} {
		if !has(got, want) {
			t.Errorf("no %s after shutdown; got %q", want, showAll(got))
		}
	}
}

// TestCloseWriteModeSeesTruncateByPath: in CloseWrite mode a write by a
// process that holds the file open is reported at its close, but
// truncate(2) by path, which opens nothing and so closes nothing, is
// reported when it happens.
func TestCloseWriteModeSeesTruncateByPath(t *testing.T) {
	root := t.TempDir()
	mustWrite(t, root+"/f", "some content")
	mustWrite(t, root+"/log", "")
	r := start(t, root, Options{})
	must(t, unix.Truncate(root+"/f", 0))
	r.waitFor(t, "Modify f", func(evs []event.Event) bool { return has(evs, "Modify f") })

	fd, err := unix.Open(root+"/log", unix.O_WRONLY|unix.O_APPEND, 0)
	must(t, err)
	for range 3 {
		_, err := unix.Write(fd, []byte("line\n"))
		must(t, err)
		flush(t, r.w)
	}
	if evs := r.events(); has(evs, "Modify log") {
		t.Errorf("a write to a file held open was reported before its close: %q", showAll(evs))
	}
	must(t, unix.Close(fd))
	r.waitFor(t, "Modify log at its close", func(evs []event.Event) bool { return has(evs, "Modify log") })
}

// TestTruncateFollowsARenamedDirectory: a truncate(2) by path whose
// directory is renamed before the truncate's IN_MODIFY is checked (20 ms
// later) is reported at the file's new path (torture seed 17582: the
// mirror kept the old size).
func TestTruncateFollowsARenamedDirectory(t *testing.T) {
	root := t.TempDir()
	mkdirs(t, root, "d")
	mustWrite(t, root+"/d/f", "ab")
	var once sync.Once
	hookEvent = func(mask uint32, rel string) {
		if mask&unix.IN_MODIFY != 0 && rel == "d/f" {
			once.Do(func() { mustRename(t, root+"/d", root+"/e") })
		}
	}
	t.Cleanup(func() { hookEvent = nil })
	r := start(t, root, Options{})
	must(t, unix.Truncate(root+"/d/f", 1))
	r.waitFor(t, "Modify e/f", func(evs []event.Event) bool { return has(evs, "Modify e/f") })
}

// TestWritingFollowsRenames: a file being written keeps its place in the
// set of files being written when a directory above it is renamed, so
// that its close clears it, and a newer file at its old path is not taken
// for it (its truncate is reported).
func TestWritingFollowsRenames(t *testing.T) {
	root := t.TempDir()
	mkdirs(t, root, "d")
	r := start(t, root, Options{})
	fd, err := unix.Open(root+"/d/f", unix.O_WRONLY|unix.O_CREAT, 0o644)
	must(t, err)
	_, err = unix.Write(fd, []byte("being written"))
	must(t, err)
	flush(t, r.w)
	if !r.w.Writing("d/f") {
		t.Fatal("d/f, open for writing, is not in the writing set")
	}
	mustRename(t, root+"/d", root+"/e")
	flush(t, r.w)
	if !r.w.Writing("e/f") || r.w.Writing("d/f") {
		t.Errorf("after d was renamed e: Writing(e/f)=%v Writing(d/f)=%v, want true, false",
			r.w.Writing("e/f"), r.w.Writing("d/f"))
	}
	must(t, unix.Close(fd))
	r.waitFor(t, "Modify e/f at its close", func(evs []event.Event) bool { return has(evs, "Modify e/f") })
	mkdirs(t, root, "d")
	mustWrite(t, root+"/d/f", "a newer file, longer")
	before := count(r.caughtUp(t), "Modify d/f")
	must(t, unix.Truncate(root+"/d/f", 3))
	r.waitFor(t, "the truncate of the newer d/f", func(evs []event.Event) bool { return count(evs, "Modify d/f") > before })
}

// count is how many of evs are shown as s.
func count(evs []event.Event, s string) int {
	n := 0
	for _, e := range evs {
		if show(e) == s {
			n++
		}
	}
	return n
}

// caughtUp flushes the watcher and waits until the recorder has every
// event sent by then, and returns them.
func (r *recorder) caughtUp(t *testing.T) []event.Event {
	t.Helper()
	flush(t, r.w)
	sent := r.w.sent.Load()
	if !eventually(func() bool { return uint64(len(r.events())) >= sent }) {
		t.Fatalf("the recorder has %d events, the watcher sent %d", len(r.events()), sent)
	}
	return r.events()
}

// TestStreamedWritesDoNotSpinTheLoop: a process writing a file a little at
// a time, in CloseWrite mode, costs the loop a turn per writeNap at most,
// not one per write(2), and the file is still reported at its close.
func TestStreamedWritesDoNotSpinTheLoop(t *testing.T) {
	root := t.TempDir()
	r := start(t, root, Options{})
	fd, err := unix.Open(root+"/upload", unix.O_WRONLY|unix.O_CREAT, 0o644)
	must(t, err)
	flush(t, r.w)
	const writes = 2000
	before, began := r.w.rounds.Load(), time.Now()
	for range writes {
		_, err := unix.Write(fd, []byte("a chunk of an upload\n"))
		must(t, err)
		time.Sleep(50 * time.Microsecond) // a network-bound writer
	}
	turns, took := r.w.rounds.Load()-before, time.Since(began)
	// Without the nap the loop turns once per write whenever it is
	// faster than the writer; with it, once per writeNap, plus the
	// turns a busy machine's scheduling adds.
	if limit := uint64(took/writeNap) + 50; turns > limit {
		t.Errorf("%d writes in %v took %d turns of the loop, want at most %d (one per %v)", writes, took, turns, limit, writeNap)
	}
	must(t, unix.Close(fd))
	r.waitFor(t, "Modify upload at its close", func(evs []event.Event) bool { return has(evs, "Modify upload") })
}

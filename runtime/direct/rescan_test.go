package direct

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/event"
)

// buildTree writes files files spread over dirs directories (two levels
// deep, so the walk has subdirectories to share out) with a symlink in each.
func buildTree(t testing.TB, root string, dirs, files int) []string {
	t.Helper()
	var paths []string
	for d := range dirs {
		top := fmt.Sprintf("top%02d", d%10)
		if !exists(root, top) {
			mkdir(t, root, top, 0o755)
		}
		dir := fmt.Sprintf("%s/dir%03d", top, d)
		mkdir(t, root, dir, 0o755)
		symlink(t, root, dir+"/link", "../..")
		for i := d; i < files; i += dirs {
			p := fmt.Sprintf("%s/file%05d", dir, i)
			write(t, root, p, strings.Repeat("x", i%300))
			paths = append(paths, p)
		}
	}
	return paths
}

func TestRescanRepairsEverything(t *testing.T) {
	f := newFixture(t, Options{Delete: true, FullDelete: true})
	files := buildTree(t, f.src, 40, 2000)
	f.mirror(t)
	untouched := lstat(t, f.dst, files[1999])

	// Damage the target every way a lost event could leave it.
	write(t, f.dst, files[0], "stale content, other size")
	write(t, f.dst, files[1], strings.Repeat("y", 1)) // same size as the source ("x")
	touch(t, f.dst, files[1], t0.Add(time.Hour))
	chmod(t, f.dst, files[2], 0o600)
	rm(t, f.dst, files[3])
	rm(t, f.dst, "top04/dir014")
	write(t, f.dst, "extra-file", "x")
	mkdir(t, f.dst, "top05/extra-dir", 0o755)
	write(t, f.dst, "top05/extra-dir/f", "x")
	rm(t, f.dst, "top06/dir016/link")
	symlink(t, f.dst, "top06/dir016/link", "elsewhere")
	rm(t, f.dst, files[4])
	mkdir(t, f.dst, files[4], 0o755) // a dir where the source has a file
	write(t, f.dst, files[4]+"/inside", "x")
	rm(t, f.dst, "top07/dir017")
	write(t, f.dst, "top07/dir017", "a file where the source has a dir")
	// And change the source too.
	write(t, f.src, files[5], "new content")
	rm(t, f.src, files[6])

	f.mirror(t)
	if !os.SameFile(untouched, lstat(t, f.dst, files[1999])) {
		t.Error("an unchanged file was copied again")
	}
}

// TestRescanKeep: excluded source entries are not copied, and excluded
// target entries survive even where the source has nothing (rsync --delete
// without --delete-excluded).
func TestRescanKeep(t *testing.T) {
	keep := func(rel string, isDir bool) bool {
		return !strings.HasSuffix(rel, ".log") && !(isDir && base(rel) == "cache")
	}
	f := newFixture(t, Options{Delete: true, FullDelete: true, Keep: keep})
	mkdir(t, f.src, "d", 0o755)
	write(t, f.src, "d/a", "a")
	write(t, f.src, "d/app.log", "source log")
	mkdir(t, f.src, "d/cache", 0o755)
	write(t, f.src, "d/cache/c", "c")
	mkdir(t, f.dst, "d", 0o755)
	write(t, f.dst, "d/target-only.log", "receiver log")
	mkdir(t, f.dst, "cache", 0o755)
	write(t, f.dst, "cache/old", "old")
	mkdir(t, f.dst, "gone", 0o755)
	write(t, f.dst, "gone/x", "x")
	write(t, f.dst, "gone/kept.log", "protected")

	f.apply(t, rescan(""))
	f.requireDiff(t,
		`"cache": only in b`,
		`"d/app.log": missing in b`,
		`"d/cache": missing in b`,
		`"d/target-only.log": only in b`,
		`"gone": only in b`,
	)
	if exists(f.dst, "gone/x") || !exists(f.dst, "gone/kept.log") {
		t.Error("an extra directory should lose its files but keep the excluded one")
	}
	// An excluded subtree is not even rescanned on request.
	f.apply(t, rescan("d/cache"))
	if exists(f.dst, "d/cache") {
		t.Error("rescan of an excluded directory copied it")
	}
}

// TestRescanReadOnlyDirs: a directory without write permission is still
// filled (without root the sink makes it writable while it works) and ends
// with the source's mode.
func TestRescanReadOnlyDirs(t *testing.T) {
	f := newFixture(t, Options{Delete: true, FullDelete: true})
	mkdir(t, f.src, "ro", 0o755)
	mkdir(t, f.src, "ro/inner", 0o755)
	write(t, f.src, "ro/inner/f", "x")
	write(t, f.src, "ro/f", "x")
	chmod(t, f.src, "ro/inner", 0o555)
	chmod(t, f.src, "ro", 0o555)
	t.Cleanup(func() {
		for _, root := range []string{f.src, f.dst} {
			os.Chmod(path(root, "ro"), 0o755)
			os.Chmod(path(root, "ro/inner"), 0o755)
		}
	})
	f.mirror(t)
	chmod(t, f.src, "ro", 0o755)
	write(t, f.src, "ro/g", "new")
	chmod(t, f.src, "ro", 0o555)
	f.mirror(t)
}

func TestRescanDeleteOff(t *testing.T) {
	f := newFixture(t, Options{})
	write(t, f.src, "a", "a")
	write(t, f.dst, "a", "old content")
	write(t, f.dst, "extra", "x")
	f.apply(t, rescan(""))
	f.requireDiff(t, `"extra": only in b`)
}

// TestRescanTempFiles: a temporary file being written is not an extra; one
// left by a crash is.
func TestRescanTempFiles(t *testing.T) {
	for _, del := range []bool{true, false} {
		t.Run(fmt.Sprintf("delete=%v", del), func(t *testing.T) {
			f := newFixture(t, Options{Delete: del, FullDelete: del})
			mkdir(t, f.src, "d", 0o755)
			f.mirror(t)
			busy, stale := tempName("busy"), tempName("stale")
			write(t, f.dst, "d/"+busy, "being written")
			write(t, f.dst, "d/"+stale, "left by a crash")
			f.sink.inflight.Store("d/"+busy, struct{}{})
			f.apply(t, rescan(""))
			if !exists(f.dst, "d/"+busy) {
				t.Error("rescan deleted a temporary file still being written")
			}
			if exists(f.dst, "d/"+stale) {
				t.Error("rescan kept a stale temporary file")
			}
		})
	}
}

func TestRescanCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	calls := 0
	keep := func(rel string, isDir bool) bool {
		if calls++; calls == 50 {
			cancel() // as if the daemon shut down halfway through
		}
		return true
	}
	f := newFixture(t, Options{Delete: true, FullDelete: true, Keep: keep})
	setRescanWorkers(t, 0) // keep the Keep counter single-threaded
	buildTree(t, f.src, 5, 200)
	res := f.sink.Apply(ctx, event.Batch{rescan(""), create("later")})
	for _, r := range res {
		if r.Outcome != event.Retry || !errors.Is(r.Err, context.Canceled) {
			t.Errorf("%v: %v %v, want retry with context.Canceled", r.Event, r.Outcome, r.Err)
		}
	}
}

// TestRescanParallelMatchesSerial: the result does not depend on how many
// goroutines share the walk.
func TestRescanParallelMatchesSerial(t *testing.T) {
	for _, n := range []int{0, 1, 8} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			setRescanWorkers(t, n)
			f := newFixture(t, Options{Delete: true, FullDelete: true})
			buildTree(t, f.src, 20, 120)
			f.mirror(t)
		})
	}
}

func setRescanWorkers(tb testing.TB, n int) {
	old := RescanWorkers
	RescanWorkers = n
	tb.Cleanup(func() { RescanWorkers = old })
}

// TestRescanNarrowed: a scheduled full sync with excludes of its own
// (event.Scope) neither copies nor deletes what they exclude, at any depth,
// and makes everything else identical.
func TestRescanNarrowed(t *testing.T) {
	f := newFixture(t, Options{Delete: true, FullDelete: true})
	scope := &event.Scope{Skip: func(rel string, isDir bool) bool {
		return event.Within(rel, "archive") || strings.HasSuffix(rel, ".iso")
	}}
	mkdir(t, f.src, "archive", 0o755)
	write(t, f.src, "archive/new", "not copied by this run")
	write(t, f.src, "archive/changed", "source")
	mkdir(t, f.src, "d", 0o755)
	write(t, f.src, "d/disk.iso", "source iso")
	write(t, f.src, "d/f", "f")
	mkdir(t, f.dst, "archive", 0o755)
	write(t, f.dst, "archive/changed", "the target's own")
	write(t, f.dst, "archive/target-only", "kept")
	mkdir(t, f.dst, "d", 0o755)
	write(t, f.dst, "d/old.iso", "kept")
	write(t, f.dst, "d/stray", "deleted")
	write(t, f.dst, "stray", "deleted")

	f.apply(t, event.Event{Op: event.Rescan, IsDir: true, Scope: scope})
	f.requireDiff(t,
		`"archive/changed": size 6 != 16`,
		`"archive/new": missing in b`,
		`"archive/target-only": only in b`,
		`"d/disk.iso": missing in b`,
		`"d/old.iso": only in b`,
	)
	f.mirror(t) // a plain full sync then does it all
}

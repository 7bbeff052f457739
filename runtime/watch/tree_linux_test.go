//go:build linux && !watch_fsnotify

package watch

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/luasync/luasync/runtime/event"
)

// TestMkdirChainsWrittenAtOnce races the watcher: each chain of new
// directories is written into before its watches can exist, so only the
// watch-then-scan order finds every file.
func TestMkdirChainsWrittenAtOnce(t *testing.T) {
	const chains = 500
	root := t.TempDir()
	r := start(t, root, Options{})
	for i := range chains {
		dir := filepath.Join(root, fmt.Sprint("c", i), "a", "b", "c", "d")
		mustMkdir(t, dir)
		mustWrite(t, filepath.Join(dir, "f"), "x")
	}
	r.waitFor(t, "every chain's file", func(evs []event.Event) bool {
		seen := map[string]bool{}
		for _, e := range evs {
			if e.Op == event.Create || e.Op == event.Modify {
				seen[e.Path] = true
			}
		}
		for i := range chains {
			if !seen[fmt.Sprintf("c%d/a/b/c/d/f", i)] {
				return false
			}
		}
		return true
	})
	waitWatches(t, r.w, 1+chains*5)
}

func TestMovedDirectoryKeepsReporting(t *testing.T) {
	root := t.TempDir()
	mustMkdir(t, filepath.Join(root, "a/b/c"))
	r := start(t, root, Options{})
	steps := []struct {
		act  func()
		want []string
	}{
		{func() { mustRename(t, root+"/a", root+"/x"); mustWrite(t, root+"/x/b/c/f", "1") },
			[]string{"Move a/ -> x/", "Create x/b/c/f", "Modify x/b/c/f"}},
		{func() { mustRename(t, root+"/x/b", root+"/y"); mustWrite(t, root+"/y/c/g", "2") },
			[]string{"Move x/b/ -> y/", "Create y/c/g", "Modify y/c/g"}},
		{func() { mustRename(t, root+"/y", root+"/x/y"); mustRename(t, root+"/x/y/c/g", root+"/x/y/c/h") },
			[]string{"Move y/ -> x/y/", "Move x/y/c/g -> x/y/c/h"}},
	}
	for i, s := range steps {
		s.act()
		if got := showAll(r.settle(t)); !slices.Equal(got, s.want) {
			t.Errorf("step %d: got %q, want %q", i, got, s.want)
		}
		if n := r.w.Watches(); n != 4 {
			t.Errorf("step %d: %d watches, want 4", i, n)
		}
	}
}

func TestMoveOutAndBackIn(t *testing.T) {
	root, out := t.TempDir(), t.TempDir()
	mustMkdir(t, filepath.Join(root, "d/e"))
	mustWrite(t, filepath.Join(root, "d/e/f"), "x")
	r := start(t, root, Options{})
	if n := r.w.Watches(); n != 3 {
		t.Fatalf("%d watches, want 3", n)
	}

	mustRename(t, root+"/d", out+"/d")
	mustWrite(t, out+"/d/e/x", "written outside")
	if got, want := showAll(r.settle(t)), []string{"Delete d/"}; !slices.Equal(got, want) {
		t.Errorf("moved out: got %q, want %q", got, want)
	}
	waitWatches(t, r.w, 1)

	// It comes back as a directory whose watches were removed while it
	// still existed: what changed in it meanwhile (e/x, here) is known to
	// no event, so it is reported by a Rescan, not as new.
	mustRename(t, out+"/d", root+"/back")
	evs := r.settle(t)
	for _, want := range []string{"Create back/", "Rescan back/"} {
		if !has(evs, want) {
			t.Errorf("moved in: no %q in %q", want, showAll(evs))
		}
	}
	waitWatches(t, r.w, 3)
	mustWrite(t, root+"/back/e/y", "x")
	if got, want := showAll(r.settle(t)), []string{"Create back/e/y", "Modify back/e/y"}; !slices.Equal(got, want) {
		t.Errorf("after move in: got %q, want %q", got, want)
	}
}

// TestSkip checks that excluded directories are never watched, nothing
// under them is reported, and renames across the boundary are creates and
// deletes.
func TestSkip(t *testing.T) {
	skip := func(rel string, isDir bool) bool {
		base := rel[strings.LastIndexByte(rel, '/')+1:]
		return (isDir && base == "cache") || strings.HasSuffix(rel, ".tmp") || rel == "pub/private"
	}
	root := t.TempDir()
	for _, d := range []string{"cache/sub", "data/cache", "box/private"} {
		mustMkdir(t, filepath.Join(root, d))
	}
	r := start(t, root, Options{Skip: skip})
	if n := r.w.Watches(); n != 4 { // root, data, box, box/private
		t.Fatalf("%d watches, want 4", n)
	}
	steps := []struct {
		name    string
		act     func()
		want    []string
		watches int
	}{
		{"writes under excluded dirs and excluded files", func() {
			mustWrite(t, root+"/cache/x", "x")
			mustWrite(t, root+"/cache/sub/x", "x")
			mustWrite(t, root+"/data/cache/y", "y")
			mustWrite(t, root+"/data/z.tmp", "z")
			mustMkdir(t, root+"/data/new/cache/deep")
		}, []string{"Create data/new/"}, 5},
		{"excluded dir renamed to a watched name", func() { mustRename(t, root+"/data/cache", root+"/data/warm") },
			[]string{"Create data/warm/", "Create data/warm/y"}, 6},
		{"and back", func() { mustRename(t, root+"/data/warm", root+"/data/cache") },
			[]string{"Delete data/warm/"}, 5},
		{"excluded file renamed to a watched name", func() { mustRename(t, root+"/data/z.tmp", root+"/data/z") },
			[]string{"Create data/z"}, 5},
		{"a rename that excludes a subdirectory by its new path", func() { mustRename(t, root+"/box", root+"/pub") },
			[]string{"Move box/ -> pub/"}, 4},
		{"so it reports nothing", func() { mustWrite(t, root+"/pub/private/x", "x") }, nil, 4},
	}
	for _, s := range steps {
		s.act()
		if got := showAll(r.settle(t)); !slices.Equal(got, s.want) {
			t.Errorf("%s: got %q, want %q", s.name, got, s.want)
		}
		waitWatches(t, r.w, s.watches)
	}
}

// TestOddNames checks that names are bytes: nothing is quoted, split,
// decoded or run.
func TestOddNames(t *testing.T) {
	names := []string{"with space", "new\nline", `quo"te'`, "-leading", "$(touch x)", "\xff\xfe", "tab\there", "ünï"}
	root, out := t.TempDir(), t.TempDir()
	for _, n := range names {
		mustMkdir(t, filepath.Join(root, n))
		mustMkdir(t, filepath.Join(out, n, n))
	}
	r := start(t, root, Options{})
	for _, n := range names {
		mustWrite(t, filepath.Join(root, n, n), "x")
		mustRename(t, filepath.Join(root, n, n), filepath.Join(root, n, n+"2"))
		mustRename(t, filepath.Join(out, n), filepath.Join(root, n+"-in"))
	}
	evs := r.settle(t)
	for _, n := range names {
		for _, want := range []string{
			"Create " + n + "/" + n, "Modify " + n + "/" + n, "Move " + n + "/" + n + " -> " + n + "/" + n + "2",
			"Create " + n + "-in/", "Create " + n + "-in/" + n + "/",
		} {
			if !has(evs, want) {
				t.Errorf("no %q in %q", want, showAll(evs))
			}
		}
	}
	if _, err := os.Stat(filepath.Join(root, "x")); err == nil {
		t.Error("a name was run as a command")
	}
}

// TestSplitRenamePairs shrinks the read buffer to one event, so every
// rename's IN_MOVED_FROM ends a read and must wait for its partner.
func TestSplitRenamePairs(t *testing.T) {
	defer func(n int) { readBufSize = n }(readBufSize)
	readBufSize = minReadBuf
	long := strings.Repeat("n", 200) // two such events never fit in one read
	root, out := t.TempDir(), t.TempDir()
	mustMkdir(t, filepath.Join(root, long+"d"))
	mustWrite(t, filepath.Join(root, long+"f"), "x")
	r := start(t, root, Options{})

	mustRename(t, filepath.Join(root, long+"f"), filepath.Join(root, long+"g"))
	mustRename(t, filepath.Join(root, long+"d"), filepath.Join(root, long+"e"))
	mustWrite(t, filepath.Join(root, long+"e", "x"), "x")
	mustRename(t, filepath.Join(root, long+"g"), filepath.Join(out, "g"))
	got := showAll(r.settle(t))
	want := []string{
		"Move " + long + "f -> " + long + "g",
		"Move " + long + "d/ -> " + long + "e/",
		"Create " + long + "e/x", "Modify " + long + "e/x",
		"Delete " + long + "g",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

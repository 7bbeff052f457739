//go:build !linux || watch_fsnotify

package watch

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestFsnotifyBackend checks what the portable backend promises: creates,
// writes and deletes, new directories watched and scanned, renames as a
// delete and a create, and excluded directories never watched. Run it on
// Linux with -tags watch_fsnotify.
func TestFsnotifyBackend(t *testing.T) {
	root, out := t.TempDir(), t.TempDir()
	mustMkdir(t, filepath.Join(root, "d/e"))
	mustMkdir(t, filepath.Join(root, "cache"))
	mustMkdir(t, filepath.Join(out, "x/y"))
	mustWrite(t, filepath.Join(out, "x/y/z"), "z")
	skip := func(rel string, isDir bool) bool { return isDir && strings.HasSuffix(rel, "cache") }
	r := start(t, root, Options{Skip: skip})
	if n := r.w.Watches(); n != 3 {
		t.Fatalf("%d watches, want 3 (root, d, d/e)", n)
	}
	steps := []struct {
		act  func()
		want []string
	}{
		{func() { mustWrite(t, root+"/d/e/f", "x") }, []string{"Create d/e/f", "Modify d/e/f"}},
		{func() { mustWrite(t, root+"/cache/f", "x") }, nil},
		{func() { mustRename(t, root+"/d/e/f", root+"/d/g") }, []string{"Delete d/e/f", "Create d/g"}},
		{func() { mustRename(t, out+"/x", root+"/x") }, []string{"Create x/", "Create x/y/", "Create x/y/z"}},
		{func() { mustWrite(t, root+"/x/y/w", "x") }, []string{"Create x/y/w"}},
		{func() { mustRename(t, root+"/x", out+"/x2") }, []string{"Delete x/"}},
	}
	for i, s := range steps {
		s.act()
		evs := r.settle(t)
		for _, want := range s.want {
			if !has(evs, want) {
				t.Errorf("step %d: no %q in %q", i, want, showAll(evs))
			}
		}
		for _, e := range evs {
			if strings.HasPrefix(e.Path, "cache") {
				t.Errorf("step %d: excluded path reported: %s", i, show(e))
			}
		}
	}
	waitWatches(t, r.w, 3)
	if evs := r.events(); has(evs, "Rescan /") {
		t.Errorf("unexpected rescan in %q", showAll(evs))
	}
}

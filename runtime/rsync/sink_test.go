package rsync_test

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/event"
)

// TestMixedWorkload is the sink's specification, for each kind of target:
// a startup full sync, then batches of creates (a new directory arrives
// with its contents), modifies, chmods, renames of files and directories,
// deletes of whole trees, and type changes, after each of which the mirror
// is identical to the source. A batch is one rsync run; renames on local
// and ssh targets are renames (the target keeps the inode), not copies.
func TestMixedWorkload(t *testing.T) {
	for _, kind := range targetKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			s, src, mirror := newSink(t, kind, nil)

			// The startup sync: a Rescan of the root.
			mkdir(t, src, "a/b/c")
			for _, f := range []string{"a/f1", "a/f2", "a/f3", "a/b/f", "a/b/c/f", "a/r2"} {
				write(t, src, f, "content of "+f)
			}
			// Sizes differ: files written in one kernel clock tick share an
			// mtime, and rsync's quick check (size, mtime) could not tell
			// them apart after a move on a daemon target, which cannot rename.
			write(t, src, "a/r1", "longer content of a/r1")
			for i := range 50 {
				mkdir(t, src, fmt.Sprintf("d/%d", i%5))
				write(t, src, fmt.Sprintf("d/%d/f%d", i%5, i), "x")
			}
			symlink(t, src, "ln", "a/f1")
			chmod(t, src, "a/f2", 0o600)
			apply(t, s, rescan(""))
			same(t, src, mirror)

			// One batch of everything.
			f3, b := lstat(t, mirror, "a/f3"), lstat(t, mirror, "a/b")
			runs := s.Runs()
			chmod(t, src, "a", 0o750)
			write(t, src, "a/f1", "new content, longer than before")
			chmod(t, src, "a/f2", 0o640)
			mkdir(t, src, "n/y")
			write(t, src, "n/x", "x")
			write(t, src, "n/y/z", "z")
			rename(t, src, "a/f3", "a/f3.renamed")
			rename(t, src, "a/b", "a/bb")
			removeAll(t, src, "d")
			symlink(t, src, "s2", "nowhere")
			write(t, src, "t", "top")
			apply(t, s,
				attribDir("a"), modify("a/f1"), attrib("a/f2"), createDir("n"),
				move("a/f3", "a/f3.renamed"), moveDir("a/b", "a/bb"), delDir("d"),
				create("s2"), create("t"))
			same(t, src, mirror)
			if got := s.Runs() - runs; got != 1 {
				t.Errorf("the batch took %d rsync runs, want 1", got)
			}
			if kind.renames {
				if !os.SameFile(f3, lstat(t, mirror, "a/f3.renamed")) || !os.SameFile(b, lstat(t, mirror, "a/bb")) {
					t.Errorf("a move on a %s target was not a rename: the inode changed", kind.name)
				}
			}

			// Type changes, a rename over an existing file, an mtime.
			removeAll(t, src, "a/f1")
			mkdir(t, src, "a/f1")
			write(t, src, "a/f1/inner", "i")
			removeAll(t, src, "a/bb/c")
			write(t, src, "a/bb/c", "now a file")
			rename(t, src, "a/r1", "a/r2")
			old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
			if err := os.Chtimes(src+"/t", old, old); err != nil {
				t.Fatal(err)
			}
			apply(t, s, rescan("a/f1"), modify("a/bb/c"), move("a/r1", "a/r2"), attrib("t"))
			same(t, src, mirror)

			// The root's own mode, and a rescan that deletes strays.
			chmod(t, src, "", 0o711)
			write(t, mirror, "a/stray", "not in the source")
			apply(t, s, attribDir(""), rescan("a"))
			same(t, src, mirror)
		})
	}
}

// TestRescansShareRuns: the subtree rescans of one batch (directories
// renamed where the target could not follow, say) go in one rsync run,
// with deletes inside each subtree and odd names intact; the full sync of
// the root keeps a run of its own.
func TestRescansShareRuns(t *testing.T) {
	for _, kind := range targetKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			s, src, mirror := newSink(t, kind, nil)
			mkdir(t, src, "keep")
			write(t, src, "keep/f", "stays")
			apply(t, s, rescan(""))
			var batch []event.Event
			for i := range 40 {
				d := fmt.Sprintf("m/moved %d/a", i)
				mkdir(t, src, d)
				write(t, src, d+"/f", fmt.Sprintf("file %d", i))
				batch = append(batch, rescan(fmt.Sprintf("m/moved %d", i)))
			}
			mkdir(t, src, "-odd $(x)")
			write(t, src, "-odd $(x)/g", "g")
			batch = append(batch, rescan("-odd $(x)"), rescan("gone"))
			mkdir(t, mirror, "gone/deep")
			mkdir(t, mirror, "m/moved 3/a")
			write(t, mirror, "m/moved 3/a/stray", "not in the source")
			runs := s.Runs()
			apply(t, s, batch...)
			same(t, src, mirror)
			if got := s.Runs() - runs; got != 1 {
				t.Errorf("42 rescans took %d rsync runs, want 1", got)
			}
			runs = s.Runs()
			apply(t, s, rescan(""), rescan("keep"))
			if got := s.Runs() - runs; got != 2 {
				t.Errorf("a full sync and a subtree rescan took %d runs, want 2", got)
			}
		})
	}
}

// TestMoveReplacesWhatTheTargetHeld: a directory moved onto a name where
// the target may still hold an older directory (the queue marks the move
// Over) replaces it whole, on every kind of target (a daemon, which cannot
// rename, sends the new name with --delete, in the batch's rescan run).
func TestMoveReplacesWhatTheTargetHeld(t *testing.T) {
	for _, kind := range targetKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			s, src, mirror := newSink(t, kind, nil)
			mkdir(t, src, "c/sub")
			write(t, src, "c/sub/new", "new")
			mkdir(t, mirror, "b/sub")
			write(t, mirror, "b/stale", "the old b's")
			write(t, mirror, "b/sub/stale", "the old b's")
			apply(t, s, rescan("c"))
			rename(t, src, "c", "b")
			over := moveDir("c", "b")
			over.Over = true
			apply(t, s, over)
			same(t, src, mirror)
		})
	}
}

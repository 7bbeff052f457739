package direct

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/event"
)

// TestApply is the sink's specification: starting from a mirrored tree, the
// source changes, the watcher's events are applied, and the target equals
// the source again (or differs exactly as the options say it should).
func TestApply(t *testing.T) {
	// base is the tree every case starts from, mirrored before the change.
	base := func(t *testing.T, src string) {
		write(t, src, "a.txt", "alpha")
		mkdir(t, src, "d", 0o755)
		write(t, src, "d/f", "in d")
		mkdir(t, src, "d/sub", 0o750)
		write(t, src, "d/sub/g", "deep")
		symlink(t, src, "link", "a.txt")
	}
	later := t0.Add(90 * time.Minute)
	keepNoTmp := func(rel string, isDir bool) bool {
		return !strings.HasSuffix(rel, ".tmp") && !(isDir && rel == "cache")
	}
	tests := []struct {
		name   string
		keep   func(string, bool) bool
		noDel  bool                           // Options.Delete off
		change func(t *testing.T, f *fixture) // source (and target) after the mirror
		batch  event.Batch
		want   []string // expected treecmp.Diff lines; nil: identical
		// same: the target entry at same[0] before Apply must be the very
		// inode at same[1] after it (attributes fixed in place, renames).
		same [2]string
	}{
		{name: "new file",
			change: func(t *testing.T, f *fixture) { write(t, f.src, "new", "fresh") },
			batch:  event.Batch{create("new")}},
		{name: "new file in a missing directory gets parents with source modes",
			change: func(t *testing.T, f *fixture) {
				mkdir(t, f.src, "p", 0o711)
				mkdir(t, f.src, "p/q", 0o1777)
				write(t, f.src, "p/q/new", "x")
			},
			batch: event.Batch{create("p/q/new")}},
		{name: "modify content and size",
			change: func(t *testing.T, f *fixture) {
				write(t, f.src, "a.txt", "a longer alpha")
				touch(t, f.src, "a.txt", later)
			},
			batch: event.Batch{modify("a.txt")}},
		{name: "modify same size, new mtime",
			change: func(t *testing.T, f *fixture) { write(t, f.src, "a.txt", "ALPHA"); touch(t, f.src, "a.txt", later) },
			batch:  event.Batch{modify("a.txt")}},
		{name: "modify mtime only, nanoseconds",
			change: func(t *testing.T, f *fixture) { touch(t, f.src, "a.txt", t0.Add(time.Nanosecond)) },
			batch:  event.Batch{modify("a.txt")}},
		{name: "truncate",
			change: func(t *testing.T, f *fixture) { write(t, f.src, "d/f", ""); touch(t, f.src, "d/f", later) },
			batch:  event.Batch{modify("d/f")}},
		{name: "attrib chmod is fixed in place",
			change: func(t *testing.T, f *fixture) { chmod(t, f.src, "a.txt", 0o600) },
			batch:  event.Batch{attrib("a.txt")},
			same:   [2]string{"a.txt", "a.txt"}},
		{name: "attrib setuid, setgid and sticky",
			change: func(t *testing.T, f *fixture) {
				chmod(t, f.src, "a.txt", 0o755|os.ModeSetuid|os.ModeSetgid)
				chmod(t, f.src, "d", 0o777|os.ModeSticky)
			},
			batch: event.Batch{attrib("a.txt"), attrib("d")}},
		{name: "attrib of the root",
			change: func(t *testing.T, f *fixture) { chmod(t, f.src, "", 0o750) },
			batch:  event.Batch{attrib("")}},
		{name: "symlink create",
			change: func(t *testing.T, f *fixture) { symlink(t, f.src, "d/l2", "../nowhere\nat all") },
			batch:  event.Batch{create("d/l2")}},
		{name: "symlink retarget",
			change: func(t *testing.T, f *fixture) { rm(t, f.src, "link"); symlink(t, f.src, "link", "d/f") },
			batch:  event.Batch{create("link")}},
		{name: "dir create",
			change: func(t *testing.T, f *fixture) { mkdir(t, f.src, "nd", 0o751) },
			batch:  event.Batch{createDir("nd")}},
		{name: "dir create with contents as separate events",
			change: func(t *testing.T, f *fixture) {
				mkdir(t, f.src, "nd", 0o755)
				write(t, f.src, "nd/x", "x")
				symlink(t, f.src, "nd/y", "x")
			},
			batch: event.Batch{createDir("nd"), create("nd/x"), create("nd/y")}},
		{name: "delete file",
			change: func(t *testing.T, f *fixture) { rm(t, f.src, "a.txt") },
			batch:  event.Batch{del("a.txt")}},
		{name: "delete tree",
			change: func(t *testing.T, f *fixture) { rm(t, f.src, "d") },
			batch:  event.Batch{{Op: event.Delete, Path: "d", IsDir: true}}},
		{name: "delete of a path never synced",
			change: func(t *testing.T, f *fixture) {},
			batch:  event.Batch{del("never"), del("nodir/never")}},
		{name: "rename file keeps the target inode",
			change: func(t *testing.T, f *fixture) { rename(t, f.src, "a.txt", "b.txt") },
			batch:  event.Batch{move("a.txt", "b.txt")},
			same:   [2]string{"a.txt", "b.txt"}},
		{name: "rename dir keeps the target inode",
			change: func(t *testing.T, f *fixture) { rename(t, f.src, "d", "e") },
			batch:  event.Batch{{Op: event.Move, From: "d", Path: "e", IsDir: true}},
			same:   [2]string{"d", "e"}},
		{name: "rename over an existing file",
			change: func(t *testing.T, f *fixture) { rename(t, f.src, "a.txt", "d/f") },
			batch:  event.Batch{move("a.txt", "d/f")},
			same:   [2]string{"a.txt", "d/f"}},
		{name: "rename into a directory not yet created on the target",
			change: func(t *testing.T, f *fixture) { mkdir(t, f.src, "nd", 0o700); rename(t, f.src, "d", "nd/d") },
			batch:  event.Batch{{Op: event.Move, From: "d", Path: "nd/d", IsDir: true}},
			same:   [2]string{"d", "nd/d"}},
		{name: "move with missing from copies the subtree",
			change: func(t *testing.T, f *fixture) {
				mkdir(t, f.src, "in", 0o755)
				write(t, f.src, "in/x", "moved in")
				mkdir(t, f.src, "in/y", 0o755)
				write(t, f.src, "in/y/z", "deeper")
			},
			batch: event.Batch{{Op: event.Move, From: "was/never/here", Path: "in", IsDir: true}}},
		{name: "move then moved again: the new path is gone from the source",
			change: func(t *testing.T, f *fixture) { rename(t, f.src, "a.txt", "c.txt") },
			batch:  event.Batch{move("a.txt", "b.txt"), move("b.txt", "c.txt")}},
		{name: "file to dir",
			change: func(t *testing.T, f *fixture) {
				rm(t, f.src, "a.txt")
				mkdir(t, f.src, "a.txt", 0o755)
				write(t, f.src, "a.txt/in", "x")
			},
			batch: event.Batch{modify("a.txt"), create("a.txt/in")}},
		{name: "dir to file",
			change: func(t *testing.T, f *fixture) { rm(t, f.src, "d"); write(t, f.src, "d", "now a file") },
			batch:  event.Batch{modify("d")}},
		{name: "file to symlink",
			change: func(t *testing.T, f *fixture) { rm(t, f.src, "a.txt"); symlink(t, f.src, "a.txt", "d") },
			batch:  event.Batch{modify("a.txt")}},
		{name: "symlink to dir",
			change: func(t *testing.T, f *fixture) { rm(t, f.src, "link"); mkdir(t, f.src, "link", 0o700) },
			batch:  event.Batch{modify("link")}},
		{name: "stale create: source gone, target deleted",
			change: func(t *testing.T, f *fixture) { rm(t, f.src, "a.txt"); rm(t, f.src, "d") },
			batch:  event.Batch{create("a.txt"), modify("d/sub/g"), attrib("d")}},
		{name: "stale create with delete off: target kept",
			noDel:  true,
			change: func(t *testing.T, f *fixture) { rm(t, f.src, "a.txt") },
			batch:  event.Batch{create("a.txt")},
			want:   []string{`"a.txt": only in b`}},
		{name: "delete off: delete is a no-op",
			noDel:  true,
			change: func(t *testing.T, f *fixture) { rm(t, f.src, "d") },
			batch:  event.Batch{del("d")},
			want:   []string{`"d": only in b`}},
		{name: "delete off: move copies and keeps the old path",
			noDel:  true,
			change: func(t *testing.T, f *fixture) { rename(t, f.src, "d", "e") },
			batch:  event.Batch{{Op: event.Move, From: "d", Path: "e", IsDir: true}},
			want:   []string{`"d": only in b`}},
		{name: "keep: excluded paths are not copied",
			keep: keepNoTmp,
			change: func(t *testing.T, f *fixture) {
				write(t, f.src, "x.tmp", "scratch")
				mkdir(t, f.src, "cache", 0o755)
				write(t, f.src, "cache/c", "cached")
				write(t, f.src, "y", "kept")
			},
			batch: event.Batch{create("x.tmp"), createDir("cache"), create("cache/c"), create("y")},
			want:  []string{`"cache": missing in b`, `"x.tmp": missing in b`}},
		{name: "keep: moves out of and into the mirror",
			keep: keepNoTmp,
			change: func(t *testing.T, f *fixture) {
				rename(t, f.src, "a.txt", "a.tmp")
				write(t, f.src, "b.tmp", "b")
				rename(t, f.src, "b.tmp", "b")
			},
			batch: event.Batch{move("a.txt", "a.tmp"), move("b.tmp", "b")},
			want:  []string{`"a.tmp": missing in b`}},
		{name: "rescan of a subtree",
			change: func(t *testing.T, f *fixture) {
				write(t, f.src, "d/sub/g", "changed!")
				touch(t, f.src, "d/sub/g", later)
				write(t, f.src, "d/sub/h", "new")
				rm(t, f.src, "d/f")
				write(t, f.dst, "d/extra", "extra")
			},
			batch: event.Batch{rescan("d")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Options{Keep: tt.keep, Delete: !tt.noDel, FullDelete: !tt.noDel})
			base(t, f.src)
			f.mirror(t)
			tt.change(t, f)
			var before os.FileInfo
			if tt.same[0] != "" {
				before = lstat(t, f.dst, tt.same[0])
			}
			f.apply(t, tt.batch...)
			f.requireDiff(t, tt.want...)
			if before != nil && !os.SameFile(before, lstat(t, f.dst, tt.same[1])) {
				t.Errorf("target %q is not the inode that was at %q", tt.same[1], tt.same[0])
			}
			if left := tempLeftovers(t, f.dst); len(left) > 0 {
				t.Errorf("temporary files left: %q", left)
			}
		})
	}
}

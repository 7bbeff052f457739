package rsync_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/direct/treecmp"
	"github.com/luasync/luasync/runtime/event"
	"github.com/luasync/luasync/runtime/filter"
	"github.com/luasync/luasync/runtime/rsync"
)

// TestFilters: static excludes (rsync patterns) and Keep (a Lua filter,
// say) keep excluded paths out of new directories and full syncs, and a
// full sync leaves excluded files on the target alone, as rsync --delete
// does without --delete-excluded. (Keep cannot protect a file only a
// remote target has: the sink does not list remote targets.)
func TestFilters(t *testing.T) {
	for _, kind := range targetKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			keep := func(rel string, isDir bool) bool {
				base := rel[strings.LastIndexByte(rel, '/')+1:]
				return !strings.HasPrefix(base, "lua-") && !strings.HasSuffix(base, ".log")
			}
			s, src, mirror := newSink(t, kind, func(o *rsync.Options) {
				o.Excludes = []string{"*.log", "- /cache/", "+ keep.tmp", "*.tmp"}
				o.Keep = keep
				o.WalkForKeep = true
			})
			for _, f := range []string{"a.log", "x.tmp", "keep.tmp", "cache/c", "sub/cache/c", "lua-x", "sub/lua-dir/f",
				"sub/st*ar?[lua-x]", "sub/lua-st*ar?[x]", "sub/lua-back\\slash", "sub/ok"} {
				mkdir(t, src, filepath.Dir(f))
				write(t, src, f, f)
			}
			mkdir(t, mirror, "sub")
			write(t, mirror, "sub/lua-on-target-only", "an excluded file the target has")
			write(t, mirror, "on-target.log", "also excluded")
			write(t, mirror, "stray", "not excluded, not in the source")
			apply(t, s, rescan(""))
			want := []string{
				`"a.log": missing in b`, `"cache": missing in b`, `"lua-x": missing in b`,
				`"on-target.log": only in b`, `"sub/lua-back\\slash": missing in b`,
				`"sub/lua-dir": missing in b`, `"sub/lua-on-target-only": only in b`,
				`"sub/lua-st*ar?[x]": missing in b`, `"x.tmp": missing in b`,
			}
			if kind.name != "local" {
				want = slices.DeleteFunc(want, func(l string) bool { return strings.Contains(l, "lua-on-target-only") })
			}
			wantMirror(t, src, mirror, want)

			mkdir(t, src, "new/lua-dir")
			write(t, src, "new/lua-dir/f", "f")
			write(t, src, "new/b.log", "b")
			write(t, src, "new/kept", "k")
			apply(t, s, createDir("new"))
			if _, err := os.Lstat(filepath.Join(mirror, "new/kept")); err != nil {
				t.Errorf("a new directory came without its contents: %v", err)
			}
			for _, f := range []string{"new/lua-dir", "new/b.log"} {
				if _, err := os.Lstat(filepath.Join(mirror, f)); err == nil {
					t.Errorf("excluded %s was sent with its new directory", f)
				}
			}
		})
	}
}

// wantMirror fails unless the mirror differs from the source by exactly
// want (treecmp.Diff lines).
func wantMirror(t *testing.T, src, mirror string, want []string) {
	t.Helper()
	diff, err := treecmp.Diff(src, mirror)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(diff, "\n") != strings.Join(want, "\n") {
		t.Errorf("mirror vs source:\n%s\nwant:\n%s", strings.Join(diff, "\n"), strings.Join(want, "\n"))
	}
}

// TestNewDirectoryExcludes: a new directory's contents go through Keep,
// which holds the static patterns too: rsync would not apply "- cache/" to
// a listed "x/cache/f", only to a name that is itself the directory.
func TestNewDirectoryExcludes(t *testing.T) {
	f, err := filter.New(filter.Options{Exclude: []string{"cache/"}})
	if err != nil {
		t.Fatal(err)
	}
	s, src, mirror := newSink(t, targetKinds[0], func(o *rsync.Options) {
		o.Excludes = f.Patterns()
		o.Keep = func(rel string, isDir bool) bool { return !f.Skip(rel, isDir) }
	})
	apply(t, s, rescan(""))
	mkdir(t, src, "x/cache/sub")
	write(t, src, "x/cache/f", "f")
	write(t, src, "x/cache/sub/g", "g")
	write(t, src, "x/k", "k")
	apply(t, s, createDir("x"))
	wantMirror(t, src, mirror, []string{`"x/cache": missing in b`})
}

// TestDeleteOff: with delete = false nothing is deleted on the target: a
// Delete is a no-op, a move leaves the old path, a rescan leaves strays.
func TestDeleteOff(t *testing.T) {
	s, src, mirror := newSink(t, targetKinds[0], func(o *rsync.Options) { o.Delete, o.FullDelete = false, false })
	write(t, src, "a", "a")
	write(t, src, "b", "b")
	mkdir(t, src, "d")
	write(t, src, "d/f", "f")
	apply(t, s, rescan(""))
	removeAll(t, src, "a")
	rename(t, src, "b", "b2")
	rename(t, src, "d", "d2")
	apply(t, s, del("a"), move("b", "b2"), moveDir("d", "d2"), rescan(""))
	wantMirror(t, src, mirror, []string{`"a": only in b`, `"b": only in b`, `"d": only in b`})
}

// TestSymlinkedParent: a listed path whose parent in the source has become
// a symlink is not followed: rsync would send what the link points to.
func TestSymlinkedParent(t *testing.T) {
	s, src, mirror := newSink(t, targetKinds[0], nil)
	outside := t.TempDir()
	write(t, outside, "secret", "not for the mirror")
	mkdir(t, src, "a")
	write(t, src, "a/secret", "public")
	apply(t, s, rescan(""))
	removeAll(t, src, "a")
	symlink(t, src, "a", outside)
	apply(t, s, modify("a/secret"), rescan("a/secret"))
	if b, _ := os.ReadFile(filepath.Join(mirror, "a/secret")); string(b) == "not for the mirror" {
		t.Fatal("a file outside the source was sent through a symlinked parent")
	}
	apply(t, s, create("a"))
	same(t, src, mirror)
}

// TestNarrowedRescan: a scheduled full sync with excludes of its own
// (event.Scope) neither sends nor deletes what they exclude, on every kind
// of target, on top of the sync's own excludes.
func TestNarrowedRescan(t *testing.T) {
	only, err := filter.New(filter.Options{Junk: []string{}, Exclude: []string{"/archive/", "*.iso"}})
	if err != nil {
		t.Fatal(err)
	}
	scope := &event.Scope{Patterns: only.Patterns(), Skip: only.Skip}
	for _, kind := range targetKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			s, src, mirror := newSink(t, kind, func(o *rsync.Options) { o.Excludes = []string{"*.log"} })
			for f, content := range map[string]string{"archive/new": "not sent by this run", "archive/changed": "source",
				"d/disk.iso": "source iso", "d/f": "f", "d/a.log": "excluded by the sync"} {
				mkdir(t, src, filepath.Dir(f))
				write(t, src, f, content)
			}
			for f, content := range map[string]string{"archive/changed": "the target's own", "archive/target-only": "kept",
				"d/old.iso": "kept", "d/stray": "deleted", "stray": "deleted"} {
				mkdir(t, mirror, filepath.Dir(f))
				write(t, mirror, f, content)
			}
			same := time.Unix(1_700_000_000, 0) // only the size tells the two "changed" apart
			for _, root := range []string{src, mirror} {
				if err := os.Chtimes(filepath.Join(root, "archive/changed"), same, same); err != nil {
					t.Fatal(err)
				}
			}
			apply(t, s, event.Event{Op: event.Rescan, IsDir: true, Scope: scope})
			wantMirror(t, src, mirror, []string{
				`"archive/changed": size 6 != 16`, `"archive/new": missing in b`, `"archive/target-only": only in b`,
				`"d/a.log": missing in b`, `"d/disk.iso": missing in b`, `"d/old.iso": only in b`,
			})
		})
	}
}

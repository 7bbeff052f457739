//go:build linux && !watch_fsnotify

package watch

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/luasync/luasync/runtime/event"
)

// step is one file-system action, on paths relative to the watched root
// (or to outside, a directory on the same file system but not watched).
type step func(t *testing.T, root, outside string)

func write(rel, data string) step {
	return func(t *testing.T, root, _ string) { mustWrite(t, filepath.Join(root, rel), data) }
}

func mkdir(rel string) step {
	return func(t *testing.T, root, _ string) { mustMkdir(t, filepath.Join(root, rel)) }
}

func rename(from, to string) step {
	return func(t *testing.T, root, _ string) {
		// unix.Rename, as os.Rename refuses to replace a directory.
		if err := unix.Rename(filepath.Join(root, from), filepath.Join(root, to)); err != nil {
			t.Fatalf("rename %s %s: %v", from, to, err)
		}
	}
}

func moveOut(rel string) step {
	return func(t *testing.T, root, outside string) {
		mustRename(t, filepath.Join(root, rel), filepath.Join(outside, filepath.Base(rel)))
	}
}

func moveIn(outRel, rel string) step {
	return func(t *testing.T, root, outside string) {
		mustRename(t, filepath.Join(outside, outRel), filepath.Join(root, rel))
	}
}

func outside(s step) step {
	return func(t *testing.T, _, out string) { s(t, out, out) }
}

func do(f func(root string) error) step {
	return func(t *testing.T, root, _ string) {
		if err := f(root); err != nil {
			t.Fatal(err)
		}
	}
}

// TestEvents is the watcher's specification: what each file-system action
// is reported as, in CloseWrite mode. Each distinct event is listed once,
// in order of first arrival.
func TestEvents(t *testing.T) {
	tests := []struct {
		name  string
		setup []step // before Open
		act   []step // while running; a nil step waits for all events so far
		want  []string
	}{
		{"new file", nil, []step{write("f", "x")}, []string{"Create f", "Modify f"}},
		{"rewrite file", []step{write("f", "x")}, []step{write("f", "y")}, []string{"Modify f"}},
		{"chmod file", []step{write("f", "x")}, []step{do(func(r string) error { return os.Chmod(r+"/f", 0o600) })},
			[]string{"Attrib f"}},
		{"remove file", []step{write("f", "x")}, []step{do(func(r string) error { return os.Remove(r + "/f") })},
			[]string{"Delete f"}},
		{"hard link", []step{write("f", "x")}, []step{do(func(r string) error { return os.Link(r+"/f", r+"/g") })},
			[]string{"Create g"}},
		{"symlink is a file", nil, []step{do(func(r string) error { return os.Symlink("nowhere", r+"/l") })},
			[]string{"Create l"}},
		{"symlink to dir is never followed", []step{mkdir("d")}, []step{
			do(func(r string) error { return os.Symlink("d", r+"/l") }),
			write("l/f", "x"),
		}, []string{"Create l", "Create d/f", "Modify d/f"}},
		{"fifo", nil, []step{do(func(r string) error { return unix.Mkfifo(r+"/p", 0o644) })}, []string{"Create p"}},
		{"mkdir", nil, []step{mkdir("d")}, []string{"Create d/"}},
		{"rmdir", []step{mkdir("d")}, []step{do(func(r string) error { return os.Remove(r + "/d") })},
			[]string{"Delete d/"}},
		{"chmod dir", []step{mkdir("d")}, []step{do(func(r string) error { return os.Chmod(r+"/d", 0o700) })},
			[]string{"Attrib d/"}},
		{"chmod root", nil, []step{do(func(r string) error { return os.Chmod(r, 0o700) })}, []string{"Attrib /"}},
		{"rm -r", []step{mkdir("d/e"), write("d/e/f", "x")},
			[]step{do(func(r string) error { return os.RemoveAll(r + "/d") })},
			[]string{"Delete d/e/f", "Delete d/e/", "Delete d/"}},
		{"rename file", []step{write("a", "x")}, []step{rename("a", "b")}, []string{"Move a -> b"}},
		{"rename file over file", []step{write("a", "x"), write("b", "y")}, []step{rename("a", "b")},
			[]string{"Move a -> b"}},
		{"rename file into subdir", []step{write("a", "x"), mkdir("s")}, []step{rename("a", "s/a")},
			[]string{"Move a -> s/a"}},
		{"renamed dir reports under its new name", []step{mkdir("d/e")}, []step{rename("d", "n"), write("n/e/f", "x")},
			[]string{"Move d/ -> n/", "Create n/e/f", "Modify n/e/f"}},
		{"rename dir over empty dir", []step{mkdir("d"), mkdir("e")}, []step{rename("d", "e"), write("e/f", "x")},
			[]string{"Move d/ -> e/", "Create e/f", "Modify e/f"}},
		{"new dir is scanned", nil, []step{outside(mkdir("x/y")), outside(write("x/y/z", "zz")), moveIn("x", "x")},
			[]string{"Create x/", "Create x/y/", "Create x/y/z"}},
		{"move file in", nil, []step{outside(write("f", "x")), moveIn("f", "f")}, []string{"Create f"}},
		{"move file out", []step{write("f", "x")}, []step{moveOut("f")}, []string{"Delete f"}},
		{"move dir out, then nothing from it", []step{mkdir("d/e")}, []step{
			moveOut("d"),
			do(func(r string) error {
				return os.WriteFile(filepath.Join(filepath.Dir(r), "out", "d", "e", "f"), nil, 0o644)
			}),
		}, []string{"Delete d/"}},
		{"move dir out and a new one in its place", []step{mkdir("d")}, []step{moveOut("d"), mkdir("d"), nil, write("d/f", "x")},
			[]string{"Delete d/", "Create d/", "Create d/f", "Modify d/f"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := t.TempDir()
			root, out := filepath.Join(base, "root"), filepath.Join(base, "out")
			mustMkdir(t, root)
			mustMkdir(t, out)
			for _, s := range tt.setup {
				s(t, root, out)
			}
			r := start(t, root, Options{})
			var evs []event.Event
			for _, s := range tt.act {
				if s == nil {
					evs = append(evs, r.settle(t)...)
					continue
				}
				s(t, root, out)
			}
			got := showAll(append(evs, r.settle(t)...))
			if !slices.Equal(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestOpenCreates: a file made by open(2) is reported open (its
// close-write follows) and Writing until that close, in the modes that
// report close-writes; a hard link, a symlink and a file moved in are not,
// as no close-write follows.
func TestOpenCreates(t *testing.T) {
	for _, mode := range []Mode{CloseWrite, CloseWriteOrModify, Modify} {
		t.Run(mode.String(), func(t *testing.T) {
			root, out := t.TempDir(), t.TempDir()
			mustWrite(t, filepath.Join(out, "in"), "x")
			r := start(t, root, Options{Mode: mode})
			f, err := os.Create(filepath.Join(root, "new"))
			if err != nil {
				t.Fatal(err)
			}
			ev := r.waitFor(t, "Create new", func(evs []event.Event) bool { return has(evs, "Create new") })
			if got := r.w.Writing("new"); got != (mode != Modify) {
				t.Errorf("Writing(new) while open = %v", got)
			}
			f.Close()
			if mode != Modify {
				ev = r.waitFor(t, "Modify new", func(evs []event.Event) bool { return has(evs, "Modify new") })
			}
			if r.w.Writing("new") {
				t.Error("Writing(new) after its close = true")
			}
			must(t, os.Link(filepath.Join(root, "new"), filepath.Join(root, "link")))
			must(t, os.Symlink("new", filepath.Join(root, "sym")))
			mustRename(t, filepath.Join(out, "in"), filepath.Join(root, "in"))
			mustMkdir(t, filepath.Join(out, "din"))
			mustRename(t, filepath.Join(out, "din"), filepath.Join(root, "din"))
			evs := append(ev, r.settle(t)...)
			open, mayExist := map[string]bool{}, map[string]bool{}
			for _, e := range evs {
				if e.Op == event.Create {
					open[e.Path] = e.Open
					mayExist[e.Path] = e.MayExist
				}
			}
			// What is renamed in may have replaced something; what is
			// created by name cannot have.
			for p, w := range map[string]bool{"new": false, "link": false, "sym": false, "in": true, "din": true} {
				if mayExist[p] != w {
					t.Errorf("Create %s: MayExist = %v, want %v", p, mayExist[p], w)
				}
			}
			want := map[string]bool{"new": mode != Modify, "link": false, "sym": false, "in": false}
			for p, w := range want {
				if got, ok := open[p]; !ok || got != w {
					t.Errorf("Create %s: reported %v (Open %v), want Open %v", p, ok, got, w)
				}
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestScannedFileStillWritten: a file found by scanning a new directory
// (here one moved in, so no Create of the file was seen) is reported open
// while a process has it open for writing, and its close-write ends that.
func TestScannedFileStillWritten(t *testing.T) {
	root, out := t.TempDir(), t.TempDir()
	mustMkdir(t, filepath.Join(out, "d"))
	mustWrite(t, filepath.Join(out, "d", "closed"), "done")
	f, err := os.Create(filepath.Join(out, "d", "open"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := start(t, root, Options{})
	mustRename(t, filepath.Join(out, "d"), filepath.Join(root, "d"))
	open := map[string]bool{}
	for _, e := range r.settle(t) {
		if e.Op == event.Create {
			open[e.Path] = e.Open
		}
	}
	if !open["d/open"] || open["d/closed"] {
		t.Fatalf("Open flags of the scanned files: %v, want d/open only", open)
	}
	if !r.w.Writing("d/open") {
		t.Fatal("Writing(d/open) = false while it is open")
	}
	must(t, f.Close())
	r.waitFor(t, "Modify d/open", func(evs []event.Event) bool { return has(evs, "Modify d/open") })
	if r.w.Writing("d/open") {
		t.Fatal("Writing(d/open) = true after its close")
	}
}

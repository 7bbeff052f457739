package direct

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/direct/treecmp"
	"github.com/luasync/luasync/runtime/event"
)

// t0 is the mtime test files get unless a test sets another; nanoseconds
// prove they are copied.
var t0 = time.Date(2023, 3, 4, 5, 6, 7, 891011121, time.UTC)

// fixture is a source and a target directory and a sink between them.
type fixture struct {
	src, dst string
	sink     *Sink
}

func newFixture(t testing.TB, opts Options) *fixture {
	t.Helper()
	f := &fixture{src: filepath.Join(t.TempDir(), "src"), dst: filepath.Join(t.TempDir(), "dst")}
	mkdir(t, f.src, "", 0o755)
	return f.open(t, opts)
}

func (f *fixture) open(t testing.TB, opts Options) *fixture {
	t.Helper()
	s, err := New(f.src, f.dst, opts)
	if err != nil {
		t.Fatal(err)
	}
	f.sink = s
	return f
}

// apply applies a batch and fails the test unless every event is OK.
func (f *fixture) apply(t testing.TB, b ...event.Event) {
	t.Helper()
	for _, r := range f.sink.Apply(context.Background(), b) {
		if r.Outcome != event.OK {
			t.Fatalf("%v: %v: %v", r.Event, r.Outcome, r.Err)
		}
	}
}

// mirror rescans the whole tree and checks the target equals the source.
func (f *fixture) mirror(t testing.TB) {
	t.Helper()
	f.apply(t, event.Event{Op: event.Rescan})
	f.requireDiff(t)
}

// requireDiff checks treecmp.Diff(src, dst) is exactly want.
func (f *fixture) requireDiff(t testing.TB, want ...string) {
	t.Helper()
	got, err := treecmp.Diff(f.src, f.dst)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("source and target differ:\n got %q\nwant %q", got, want)
	}
}

func path(root, rel string) string {
	if rel == "" {
		return root
	}
	return root + "/" + rel
}

func write(t testing.TB, root, rel, content string) {
	t.Helper()
	writeMode(t, root, rel, content, 0o644)
}

func writeMode(t testing.TB, root, rel, content string, mode os.FileMode) {
	t.Helper()
	p := path(root, rel)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	chmod(t, root, rel, mode)
	touch(t, root, rel, t0)
}

func mkdir(t testing.TB, root, rel string, mode os.FileMode) {
	t.Helper()
	if err := os.Mkdir(path(root, rel), 0o700); err != nil {
		t.Fatal(err)
	}
	chmod(t, root, rel, mode)
}

func symlink(t testing.TB, root, rel, target string) {
	t.Helper()
	if err := os.Symlink(target, path(root, rel)); err != nil {
		t.Fatal(err)
	}
}

func chmod(t testing.TB, root, rel string, mode os.FileMode) {
	t.Helper()
	if err := os.Chmod(path(root, rel), mode); err != nil {
		t.Fatal(err)
	}
}

func touch(t testing.TB, root, rel string, mtime time.Time) {
	t.Helper()
	if err := os.Chtimes(path(root, rel), mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

func rm(t testing.TB, root, rel string) {
	t.Helper()
	if err := os.RemoveAll(path(root, rel)); err != nil {
		t.Fatal(err)
	}
}

func rename(t testing.TB, root, from, to string) {
	t.Helper()
	if err := os.Rename(path(root, from), path(root, to)); err != nil {
		t.Fatal(err)
	}
}

func lstat(t testing.TB, root, rel string) os.FileInfo {
	t.Helper()
	fi, err := os.Lstat(path(root, rel))
	if err != nil {
		t.Fatal(err)
	}
	return fi
}

func exists(root, rel string) bool {
	_, err := os.Lstat(path(root, rel))
	return err == nil
}

// tempLeftovers lists temporary files anywhere under root.
func tempLeftovers(t testing.TB, root string) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && isTempName(d.Name()) {
			found = append(found, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// Event builders keep the tables short.
func create(p string) event.Event    { return event.Event{Op: event.Create, Path: p} }
func createDir(p string) event.Event { return event.Event{Op: event.Create, Path: p, IsDir: true} }
func modify(p string) event.Event    { return event.Event{Op: event.Modify, Path: p} }
func attrib(p string) event.Event    { return event.Event{Op: event.Attrib, Path: p} }
func del(p string) event.Event       { return event.Event{Op: event.Delete, Path: p} }
func move(from, to string) event.Event {
	return event.Event{Op: event.Move, From: from, Path: to}
}
func rescan(p string) event.Event { return event.Event{Op: event.Rescan, Path: p} }

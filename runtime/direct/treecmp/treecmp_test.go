package treecmp_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/direct/treecmp"
)

func TestDiff(t *testing.T) {
	mtime := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)
	tests := []struct {
		name   string
		change func(t *testing.T, b string) // applied to b, a copy of a
		want   []string
	}{
		{"identical", func(*testing.T, string) {}, nil},
		{"missing file", func(t *testing.T, b string) { rm(t, b, "d/f") }, []string{`"d/f": missing in b`}},
		{"extra file", func(t *testing.T, b string) { write(t, b, "d/new", "x", mtime) }, []string{`"d/new": only in b`}},
		{"content", func(t *testing.T, b string) { write(t, b, "d/f", "HELLO", mtime) }, []string{`"d/f": content differs`}},
		{"size", func(t *testing.T, b string) { write(t, b, "d/f", "hello!", mtime) }, []string{`"d/f": size 5 != 6`}},
		{"mode", func(t *testing.T, b string) { chmod(t, b, "d/f", 0o600) }, []string{`"d/f": mode -rw-r--r-- != -rw-------`}},
		{"setuid", func(t *testing.T, b string) { chmod(t, b, "d/f", 0o644|os.ModeSetuid) }, []string{`"d/f": mode -rw-r--r-- != urw-r--r--`}},
		{"root mode", func(t *testing.T, b string) { chmod(t, b, ".", 0o700) }, []string{`".": mode -rwxr-xr-x != -rwx------`}},
		{"mtime", func(t *testing.T, b string) { touch(t, b, "d/f", mtime.Add(time.Second)) },
			[]string{`"d/f": mtime 2024-05-06T07:08:09.123456Z != 2024-05-06T07:08:10.123456Z`}},
		{"mtime below resolution", func(t *testing.T, b string) { touch(t, b, "d/f", mtime.Add(100*time.Nanosecond)) }, nil},
		{"symlink target", func(t *testing.T, b string) { rm(t, b, "l"); symlink(t, b, "l", "elsewhere") },
			[]string{`"l": symlink target "d/f" != "elsewhere"`}},
		{"type", func(t *testing.T, b string) { rm(t, b, "l"); write(t, b, "l", "x", mtime) }, []string{`"l": type symlink != file`}},
		{"odd name", func(t *testing.T, b string) { rm(t, b, "odd\n\xff") }, []string{`"odd\n\xff": missing in b`}},
		{"dir mtime ignored", func(t *testing.T, b string) { touch(t, b, "d", mtime) }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := t.TempDir(), t.TempDir()
			for _, root := range []string{a, b} {
				chmod(t, root, ".", 0o755)
				write(t, root, "d/f", "hello", mtime)
				write(t, root, "odd\n\xff", "", mtime)
				symlink(t, root, "l", "d/f")
			}
			tt.change(t, b)
			got, err := treecmp.Diff(a, b)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Diff =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestDiffUnreadable(t *testing.T) {
	if _, err := treecmp.Diff(filepath.Join(t.TempDir(), "none"), t.TempDir()); err == nil {
		t.Error("Diff of a missing tree: no error")
	}
}

func write(t *testing.T, root, rel, content string, mtime time.Time) {
	t.Helper()
	p := filepath.Join(root, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	chmod(t, root, rel, 0o644)
	touch(t, root, rel, mtime)
}

func touch(t *testing.T, root, rel string, mtime time.Time) {
	t.Helper()
	if err := os.Chtimes(filepath.Join(root, rel), mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

func chmod(t *testing.T, root, rel string, mode os.FileMode) {
	t.Helper()
	if err := os.Chmod(filepath.Join(root, rel), mode); err != nil {
		t.Fatal(err)
	}
}

func rm(t *testing.T, root, rel string) {
	t.Helper()
	if err := os.Remove(filepath.Join(root, rel)); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, root, rel, target string) {
	t.Helper()
	if err := os.Symlink(target, filepath.Join(root, rel)); err != nil {
		t.Fatal(err)
	}
}

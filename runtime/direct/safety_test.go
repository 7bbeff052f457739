package direct

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/luasync/luasync/runtime/event"
)

// TestSymlinkedParentsAreNotFollowed: a user who can write the source
// replaces a mirrored directory with a symlink to somewhere else, and stale
// events for paths below it arrive. The sink must neither read through the
// source link nor write or delete through the mirrored target link.
func TestSymlinkedParentsAreNotFollowed(t *testing.T) {
	setup := func(t *testing.T) (*fixture, string) {
		f := newFixture(t, Options{Delete: true, FullDelete: true})
		outside := t.TempDir()
		write(t, outside, "secret", "do not copy")
		write(t, outside, "victim", "do not delete")
		mkdir(t, f.src, "d", 0o755)
		write(t, f.src, "d/secret", "old")
		write(t, f.src, "d/victim", "old")
		f.mirror(t)
		rm(t, f.src, "d")
		symlink(t, f.src, "d", outside)
		return f, outside
	}
	t.Run("source parent is a link, target parent a directory", func(t *testing.T) {
		f, _ := setup(t)
		f.apply(t, modify("d/secret"), create("d/new"))
		if b, err := os.ReadFile(path(f.dst, "d/secret")); err == nil {
			t.Errorf("copied through the source symlink: %q", b)
		}
	})
	t.Run("target parent is a mirrored link", func(t *testing.T) {
		f, outside := setup(t)
		f.apply(t, modify("d")) // d becomes a link on the target
		f.apply(t, del("d/victim"), create("d/secret"), create("d/planted"),
			event.Event{Op: event.Move, From: "d/victim", Path: "moved"}, rescan("d/secret"))
		ents, _ := os.ReadDir(outside)
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		if !slices.Equal(names, []string{"secret", "victim"}) {
			t.Errorf("outside directory changed through the target link: %q", names)
		}
		if b, _ := os.ReadFile(filepath.Join(outside, "secret")); string(b) != "do not copy" {
			t.Errorf("outside file overwritten: %q", b)
		}
		f.requireDiff(t)
	})
}

func TestNew(t *testing.T) {
	dir := t.TempDir()
	mkdir(t, dir, "src", 0o750)
	mkdir(t, dir, "src/sub", 0o755)
	write(t, dir, "file", "x")
	symlink(t, dir, "src-link", "src")
	symlink(t, dir, "dst-link", "src/sub")
	tests := []struct {
		name, src, dst string
		wantErr        bool
	}{
		{"new target is created", "src", "a/b/mirror", false},
		{"existing target", "src", "", false},
		{"target equals source", "src", "src", true},
		{"target inside source", "src", "src/sub/mirror", true},
		{"target inside source through a link", "src", "dst-link/mirror", true},
		{"target inside source seen through a link", "src-link", "src/m", true},
		{"source inside target", "src/sub", "src", true},
		{"source missing", "none", "m", true},
		{"source is a file", "file", "m", true},
		{"target is a file", "src", "file", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := t.TempDir()
			if tt.dst != "" {
				dst = filepath.Join(dir, tt.dst)
			}
			s, err := New(filepath.Join(dir, tt.src), dst, Options{})
			if (err != nil) != tt.wantErr {
				t.Fatalf("New: err = %v, want error: %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if got, want := s.String(), "direct:"+dst; got != want {
				t.Errorf("String() = %q, want %q", got, want)
			}
			if fi := lstat(t, dst, ""); tt.dst != "" && fi.Mode().Perm() != 0o750 {
				t.Errorf("new target mode %v, want the source's 0750", fi.Mode())
			}
		})
	}
	if exists(dir, "src/sub/mirror") || exists(dir, "src/m") {
		t.Error("a refused target was created inside the source")
	}
}

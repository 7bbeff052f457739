package nesting

import (
	"os"
	"path/filepath"
	"testing"
)

func TestOf(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"src/sub", "other"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// Links that hide the nesting from the paths as written.
	if err := os.Symlink(filepath.Join(root, "src", "sub"), filepath.Join(root, "into-src")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(root, filepath.Join(root, "other", "up")); err != nil {
		t.Fatal(err)
	}
	j := func(p string) string { return filepath.Join(root, p) }
	tests := []struct {
		source, target string
		want           Overlap
	}{
		{j("src"), j("other"), Disjoint},
		{j("src"), j("srcx"), Disjoint}, // a shared prefix is not nesting
		{j("src"), j("src/"), Same},
		{j("src"), j("src/sub"), TargetInSource},
		{j("src"), j("src/new/deeper"), TargetInSource},  // not created yet
		{j("src"), j("into-src/mirror"), TargetInSource}, // through a symlink, not existing yet
		{j("src/sub"), j("src"), SourceInTarget},
		{j("src"), j("other/up"), SourceInTarget}, // the link resolves to root
		{"/", j("anything"), TargetInSource},
	}
	for _, tt := range tests {
		if got := Of(tt.source, tt.target); got != tt.want {
			t.Errorf("Of(%s, %s) = %d, want %d", tt.source, tt.target, got, tt.want)
		}
		if err := Check(tt.source, tt.target); (err != nil) != (tt.want != Disjoint) {
			t.Errorf("Check(%s, %s) = %v", tt.source, tt.target, err)
		}
	}
}

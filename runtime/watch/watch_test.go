package watch

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpenRejectsBadRoots(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	mustWrite(t, file, "x")
	tests := []struct {
		name, root string
		is         func(error) bool
	}{
		{"missing", filepath.Join(dir, "missing"), func(err error) bool { return errors.Is(err, fs.ErrNotExist) }},
		{"file", file, func(err error) bool { return strings.HasSuffix(err.Error(), ": not a directory") }},
		{"unknown mode", dir, func(err error) bool { return strings.Contains(err.Error(), "unknown mode Mode(7)") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := Options{}
			if tt.name == "unknown mode" {
				opts.Mode = 7
			}
			w, err := Open(tt.root, opts)
			if err == nil {
				w.Close()
				t.Fatalf("Open(%s) succeeded", tt.root)
			}
			if !tt.is(err) || !strings.HasPrefix(err.Error(), "watch "+tt.root+": ") {
				t.Errorf("Open(%s) = %q", tt.root, err)
			}
		})
	}
}

func TestCloseWithoutRun(t *testing.T) {
	w, err := Open(t.TempDir(), Options{Mode: Modify})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

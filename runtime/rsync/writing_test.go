package rsync_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/luasync/luasync/runtime/rsync"
)

// TestNewDirLeavesOutFilesBeingWritten: a new directory is sent with its
// contents, except files Writing reports still open; those go with their
// own event once closed.
func TestNewDirLeavesOutFilesBeingWritten(t *testing.T) {
	s, src, mirror := newSink(t, targetKinds[0], func(o *rsync.Options) {
		o.Writing = func(rel string) bool { return rel == "up/big.part" }
	})
	mkdir(t, src, "up/sub")
	write(t, src, "up/done", "complete")
	write(t, src, "up/sub/x", "x")
	write(t, src, "up/big.part", "the first megabytes")
	apply(t, s, createDir("up"))
	for _, rel := range []string{"up/done", "up/sub/x"} {
		lstat(t, mirror, rel)
	}
	if _, err := os.Lstat(filepath.Join(mirror, "up/big.part")); !os.IsNotExist(err) {
		t.Fatalf("a file still being written was sent with its directory (lstat: %v)", err)
	}
	apply(t, s, create("up/big.part")) // its close
	same(t, src, mirror)
}

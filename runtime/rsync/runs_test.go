package rsync_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/luasync/luasync/runtime/event"
	"github.com/luasync/luasync/runtime/rsync"
	"github.com/luasync/luasync/runtime/rsync/rsynctest"
)

// countingRsync writes a wrapper that logs each real run (not --version)
// and then execs the real rsync; it returns the wrapper and a func that
// counts the runs so far.
func countingRsync(t *testing.T) (string, func() int) {
	t.Helper()
	real := rsynctest.Require(t, "rsync", "apt-get install -y rsync")
	dir := t.TempDir()
	log := filepath.Join(dir, "runs.log")
	bin := filepath.Join(dir, "rsync-counting")
	script := fmt.Sprintf("#!/bin/sh\n[ \"$1\" = --version ] || echo run >> '%s'\nexec '%s' \"$@\"\n", log, real)
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin, func() int {
		b, err := os.ReadFile(log)
		if os.IsNotExist(err) {
			return 0
		}
		if err != nil {
			t.Fatal(err)
		}
		return strings.Count(string(b), "run\n")
	}
}

// TestTreeDeleteIsOneRun: deleting a directory of 1,000 files is one
// rsync run, whether the queue collapsed the deletes into the
// directory's (one event) or handed over every file's delete.
func TestTreeDeleteIsOneRun(t *testing.T) {
	for _, collapsed := range []bool{true, false} {
		t.Run(fmt.Sprintf("collapsed=%v", collapsed), func(t *testing.T) {
			bin, runs := countingRsync(t)
			s, src, mirror := newSink(t, targetKinds[1], func(o *rsync.Options) { o.Binary = bin })
			var deletes event.Batch
			for i := range 1000 {
				dir := fmt.Sprintf("big/%02d", i%10)
				mkdir(t, src, dir)
				write(t, src, fmt.Sprintf("%s/file%04d", dir, i), "x")
				deletes = append(deletes, del(fmt.Sprintf("%s/file%04d", dir, i)))
			}
			for i := range 10 {
				deletes = append(deletes, delDir(fmt.Sprintf("big/%02d", i)))
			}
			deletes = append(deletes, delDir("big"))
			if collapsed {
				deletes = event.Batch{delDir("big")}
			}
			write(t, src, "keep", "k")
			apply(t, s, rescan(""))
			before := runs()
			removeAll(t, src, "big")
			apply(t, s, deletes...)
			same(t, src, mirror)
			if got := runs() - before; got != 1 {
				t.Errorf("deleting 1,000 files took %d rsync runs, want 1", got)
			}
			if got := s.Runs(); got != uint64(runs()) {
				t.Errorf("Runs() = %d, the wrapper counted %d", got, runs())
			}
		})
	}
}

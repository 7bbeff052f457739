package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/luasync/luasync/internal/torture"
)

var unpackDirs = flag.Int("unpack.dirs", 300, "directories TestUnpackThenRename unpacks and renames (issue 8 asks for 300 and 3000)")

// TestUnpackThenRename is issue 8's pattern, as deploy tools, archive
// unpackers and package managers do it, on every sink and file system:
// each of N directories is built under a temporary name (mkdir -p tmpI/a,
// a file written into it) and renamed into place at once; a second later
// a file is written into each moved directory. The mirror must end equal
// to the source: the late files too, which only a watch on the moved
// directory can report.
func TestUnpackThenRename(t *testing.T) {
	for _, sink := range tortureSinkKinds {
		for _, fsys := range []string{"tmpfs", "disk"} {
			r := &tortureRun{sink: sink, fs: fsys}
			t.Run(sink+"/"+fsys, r.unpack)
		}
	}
}

func (r *tortureRun) unpack(t *testing.T) {
	r.dir = tortureDir(t, r.fs)
	r.src = filepath.Join(r.dir, "src")
	must(t, os.MkdirAll(filepath.Join(r.src, "m"), 0o755))
	opFile, err := os.Create(r.path("ops.log"))
	must(t, err)
	t.Cleanup(func() { opFile.Close() })
	r.opLog = torture.NewOpLog(opFile)
	r.cfg = writeConfig(t, r.dir, fmt.Sprintf(
		"settings { logfile = %q, logLevel = \"debug\", failLog = %q, shutdownGrace = 10,\n"+
			"           statusFile = %q, statusInterval = 0.1 }\n%s\n",
		r.path("luasync.log"), r.path("fail.log"), r.path("status"), r.syncTable(t))) // seed 0: delay = 0
	p := r.start(t)
	m := filepath.Join(r.src, "m")
	for i := range *unpackDirs {
		tmp, moved := filepath.Join(m, fmt.Sprintf("tmp%d", i)), filepath.Join(m, fmt.Sprintf("moved%d", i))
		must(t, os.MkdirAll(tmp+"/a", 0o755))
		writeFile(t, tmp+"/a/f", fmt.Sprintf("data %d\n", i))
		must(t, os.Rename(tmp, moved))
	}
	r.opLog.Note(fmt.Sprintf("%d directories unpacked and renamed", *unpackDirs))
	time.Sleep(time.Second)
	for i := range *unpackDirs {
		writeFile(t, filepath.Join(m, fmt.Sprintf("moved%d/a/late", i)), fmt.Sprintf("late %d\n", i))
	}
	r.opLog.Note("late files written")
	if diff, why := r.settle(); diff != nil {
		r.fail(t, "the mirror still differs from the source ("+why+")", strings.Join(head(diff, 40), "\n"))
	}
	t.Logf("sink=%s fs=%s dirs=%d: identical %s after the last write", r.sink, r.fs, *unpackDirs,
		r.settled.Round(time.Millisecond))
	if code, _ := p.stop(t, syscall.SIGTERM); code != 0 {
		r.fail(t, fmt.Sprintf("luasync exited with status %d after SIGTERM, want 0", code), "")
	}
}

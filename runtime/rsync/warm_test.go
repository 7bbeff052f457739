package rsync_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/rsync"
)

// TestPreparedRun: a run started ahead (Prepare) carries the next batch,
// so the batch costs no second rsync process; one that no batch comes for
// exits cleanly with an empty list and changes nothing.
func TestPreparedRun(t *testing.T) {
	defer rsync.SetWarmIdle(300 * time.Millisecond)()
	for _, kind := range targetKinds {
		t.Run(kind.name, func(t *testing.T) {
			s, src, mirror := newSink(t, kind, nil)
			write(t, src, "a", "a")
			s.Prepare()
			s.Prepare()                        // one waits at a time
			time.Sleep(100 * time.Millisecond) // let it connect
			apply(t, s, create("a"))
			same(t, src, mirror)
			if got := s.Runs(); got != 1 {
				t.Errorf("Prepare then a batch took %d rsync runs, want 1", got)
			}

			write(t, src, "b", "b") // not sent: no batch
			s.Prepare()
			time.Sleep(time.Second) // past warmIdle: it gets an empty list
			if got := s.Runs(); got != 2 {
				t.Errorf("%d rsync runs, want 2", got)
			}
			if _, err := os.Lstat(filepath.Join(mirror, "b")); err == nil {
				t.Error("an idle prepared run sent a file nobody listed")
			}
			apply(t, s, create("b"))
			same(t, src, mirror)
		})
	}
}

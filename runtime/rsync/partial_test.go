package rsync_test

import (
	"context"
	"strings"
	"testing"

	"github.com/luasync/luasync/runtime/event"
	"github.com/luasync/luasync/runtime/rsync"
)

// TestPartialFailure: when rsync exits 23 and its stderr names the paths
// that failed, only their events are retried and the rest of the batch is
// done. The failure here is real: with delete off, a file may not replace
// a non-empty directory on the target. Names are odd on purpose: rsync
// escapes them on stderr.
func TestPartialFailure(t *testing.T) {
	for _, kind := range targetKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			s, src, mirror := newSink(t, kind, func(o *rsync.Options) { o.Delete, o.FullDelete = false, false })
			blocked := "blocked\n\xff \"dir\""
			mkdir(t, src, blocked)
			write(t, src, blocked+"/inner", "i")
			mkdir(t, src, "new dir")
			write(t, src, "new dir/"+blocked, "blocked too")
			mkdir(t, src, "new dir/"+blocked+"x")
			write(t, src, "new dir/"+blocked+"x/y", "y")
			apply(t, s, rescan(""))

			removeAll(t, src, blocked)
			write(t, src, blocked, "now a file")
			removeAll(t, src, "new dir/"+blocked+"x")
			write(t, src, "new dir/"+blocked+"x", "also a file")
			write(t, src, "fine", "f")
			write(t, src, "also fine", "f")
			res := s.Apply(context.Background(), event.Batch{
				create("fine"), modify(blocked), attribDir("new dir"), modify("new dir/" + blocked + "x"), create("also fine"),
			})
			want := []event.Outcome{event.OK, event.Retry, event.OK, event.Retry, event.OK}
			for i, r := range res {
				if r.Outcome != want[i] {
					t.Errorf("%v: %v (%v), want %v", r.Event, r.Outcome, r.Err, want[i])
				}
			}
			if err := res[1].Err; err == nil || !strings.Contains(err.Error(), "exit 23") {
				t.Errorf("error %v does not give rsync's exit status", err)
			}
			for _, f := range []string{"fine", "also fine"} {
				if fi := lstat(t, mirror, f); !fi.Mode().IsRegular() {
					t.Errorf("%s not sent", f)
				}
			}
		})
	}
}

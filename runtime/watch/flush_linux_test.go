//go:build linux && !watch_fsnotify

package watch

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// TestFlush: once Flush returns, every change made before it has been
// sent, and the count it returns covers them; an idle watcher then sleeps
// (Flush wakes its read, which must not leave it spinning).
func TestFlush(t *testing.T) {
	root := t.TempDir()
	r := start(t, root, Options{})
	var want []string
	for i := range 10 {
		dir := fmt.Sprintf("d%d/e", i)
		mkdirs(t, root, dir)
		for j := range 5 {
			p := fmt.Sprintf("%s/f%d", dir, j)
			mustWrite(t, filepath.Join(root, p), "x")
			want = append(want, "Create "+p)
		}
	}
	flush(t, r.w)
	sent := r.w.sent.Load()
	if !eventually(func() bool { return uint64(len(r.events())) >= sent }) {
		t.Fatalf("received %d events, Flush said %d were sent", len(r.events()), sent)
	}
	first := r.events()[:sent]
	for _, w := range want {
		if !has(first, w) {
			t.Errorf("%s was not among the %d events sent before Flush returned", w, sent)
		}
	}
	for range 20 {
		flush(t, r.w)
	}
	before := r.w.rounds.Load()
	time.Sleep(200 * time.Millisecond)
	if n := r.w.rounds.Load() - before; n > 5 {
		t.Errorf("an idle watcher went round its loop %d times in 200 ms", n)
	}
}

//go:build linux && !watch_fsnotify

package watch

import (
	"time"

	"golang.org/x/sys/unix"

	"github.com/luasync/luasync/runtime/event"
)

// unclosedWait is how long an IN_MODIFY in CloseWrite mode waits for its
// close-write before the kernel is asked whether a writer holds the file.
// A write and its close come microseconds apart; a wait this long costs a
// truncate(2) by path these milliseconds of latency, and spares every
// ordinary write the question.
const unclosedWait = 20 * time.Millisecond

// unclosed is the files an IN_MODIFY reported in CloseWrite mode whose
// close-write has not come yet, with when the first came. Run's goroutine
// only.
type unclosed map[string]time.Time

// modified records an IN_MODIFY in CloseWrite mode.
func (u unclosed) modified(rel string) {
	if _, ok := u[rel]; !ok {
		u[rel] = time.Now()
	}
}

// rebase moves the entries below directory from to below to: a directory
// renamed before its files' closes were awaited keeps them awaited at
// their new paths (a truncate(2) by path just before the rename would
// otherwise be checked, and reported, at a path that no longer exists).
func (u unclosed) rebase(from, to string) { rebaseKeys(u, from, to, true) }

// next is when the oldest entry is due.
func (u unclosed) next() (time.Time, bool) {
	var at time.Time
	for _, t := range u {
		if at.IsZero() || t.Before(at) {
			at = t
		}
	}
	return at.Add(unclosedWait), !at.IsZero()
}

// checkUnclosed asks, for each file modified unclosedWait ago (or all, with
// force) whose close-write has not come, whether a writer holds it open.
// If one does, its close-write will report the file; if none does, the
// change came without an open, as truncate(2) by path does, and nothing
// else will report it: it is reported now (a writer that closed meanwhile
// only makes it a twin of the close-write's Modify).
func (l *loop) checkUnclosed(force bool) error {
	now := time.Now()
	for rel, first := range l.unclosed {
		if !force && now.Sub(first) < unclosedWait {
			continue
		}
		delete(l.unclosed, rel)
		if stillWritten(unix.AT_FDCWD, joinAbs(l.w.abs, rel)) {
			continue
		}
		if err := l.report(event.Event{Op: event.Modify, Path: rel, Size: l.size(rel)}); err != nil {
			return err
		}
	}
	return nil
}

// writeNap is how long the loop waits before its next read when the last
// one held nothing but IN_MODIFYs (CloseWrite mode) of files already known
// to be open for writing. Such events change nothing, and a process
// streaming a file makes one per write(2): read one by one, they kept a
// core busy for as long as any file was being written. While the loop
// waits, the kernel merges a file's repeated IN_MODIFYs into one queued
// event. The cost is at most this much latency on the next event, and
// only while writes stream.
const writeNap = 5 * time.Millisecond

// napAfterWrites waits writeNap when the buffer just handled, n bytes,
// held only IN_MODIFYs of files known to be open, and was small: a full
// buffer more than a quarter full means the kernel's queue is long, and
// it is read at once.
func (l *loop) napAfterWrites(n int) {
	if l.events == 0 || l.rewrites < l.events || n > len(l.buf)/4 {
		return
	}
	select {
	case <-time.After(writeNap):
	case <-l.ctx.Done():
	}
}

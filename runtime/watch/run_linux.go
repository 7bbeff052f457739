//go:build linux && !watch_fsnotify

package watch

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/luasync/luasync/runtime/event"
)

// readBufSize is Run's read buffer; a test shrinks it so that a rename's
// two events land in different reads.
var readBufSize = 64 << 10

// minReadBuf holds one event with the longest name; a smaller buffer makes
// read(2) fail with EINVAL.
const minReadBuf = unix.SizeofInotifyEvent + unix.NAME_MAX + 1

// Run reads events and sends them on out until ctx is done. It returns nil
// when ctx ends and an error when watching cannot go on: the root itself was
// deleted, moved or unmounted (the sync's source is gone), new directories
// need more watches than fs.inotify.max_user_watches allows (continuing would
// silently miss their changes), or reading inotify failed. Every fatal error
// is also logged. Run closes the Watcher when it returns.
//
// When ctx ends, Run still reads what the kernel has queued by then and
// sends everything it causes (a rename whose second half never came as a
// Delete), so nothing read is dropped; the receiver must keep receiving
// until Run returns.
func (w *Watcher) Run(ctx context.Context, out chan<- event.Event) error {
	defer w.Close()
	stop := make(chan struct{})
	defer close(stop)
	wake := func() { w.in.file.SetReadDeadline(time.Now()) }
	go func() {
		select {
		case <-ctx.Done():
			wake() // ends the blocked Read; the loop then sees ctx
		case <-stop:
		}
	}()
	w.flush.setWake(wake)
	l := &loop{w: w, ctx: ctx, out: out, buf: make([]byte, max(readBufSize, minReadBuf)), st: newSettler(),
		unclosed: unclosed{}}
	rescans, checks := w.later.take()
	l.st.adopt(rescans, checks)
	err := l.run()
	if err == nil {
		return nil
	}
	w.log.Error("watching stopped", "root", w.root, "err", err)
	return err
}

// Flush returns once Run has read every event the kernel queued before the
// call and sent on out everything they cause, and returns how many events
// Run has sent in all by then. A receiver that counts what it took from out
// has seen every change made before the call once its count reaches that
// number. If Run has ended, Flush returns at once with its final count; if
// Run has not started, Flush waits for it.
func (w *Watcher) Flush(ctx context.Context) (uint64, error) {
	return w.flush.wait(ctx, w.flush.request())
}

// loop is Run's state; it lives on Run's goroutine only.
type loop struct {
	w        *Watcher
	ctx      context.Context
	out      chan<- event.Event
	buf      []byte
	pending  *moveFrom // a rename's first half, waiting for its second
	st       *settler  // what must be checked once the events at hand are handled
	unclosed unclosed  // IN_MODIFYs (CloseWrite mode) waiting for their close
	events   int       // events in the last buffer handled
	rewrites int       // of which IN_MODIFYs of a file known to be open (see writeNap)
}

// moveFrom is an IN_MOVED_FROM not yet paired with its IN_MOVED_TO.
type moveFrom struct {
	cookie uint32
	rel    string
	isDir  bool
	parent *dirNode // the directory it left, and its name there
	name   string
	at     time.Time
}

// rawEvent is one decoded inotify event.
type rawEvent struct {
	wd     int32
	mask   uint32
	cookie uint32
	name   string
}

func (l *loop) run() error {
	for {
		l.w.rounds.Add(1)
		if err := l.armDeadline(); err != nil {
			return err
		}
		// Checked after the deadline is armed: a request or a
		// cancellation that comes later wakes the Read below.
		if l.ctx.Err() != nil {
			return l.finish()
		}
		if gen, ok := l.w.flush.asked(); ok {
			if err := l.drain(); err != nil {
				return err
			}
			l.w.flush.answer(gen, l.w.sent.Load())
			continue
		}
		n, err := l.w.in.file.Read(l.buf)
		switch {
		case errors.Is(err, os.ErrDeadlineExceeded):
			err = l.timeout()
		case err == nil:
			err = l.handleBuffer(l.buf[:n])
			l.napAfterWrites(n)
		default:
			err = fmt.Errorf("watch %s: read inotify events: %w", l.w.root, err)
		}
		if err == nil {
			err = l.settle(false)
		}
		if err == nil {
			err = l.checkUnclosed(false)
		}
		if err != nil {
			return err
		}
	}
}

// timeout handles a read deadline: a rename's first half waited long
// enough, or a retry is due (or someone woke the read; the loop sees why).
func (l *loop) timeout() error {
	if p := l.pending; p != nil && time.Since(p.at) >= pairWait {
		return l.flushPending()
	}
	return nil
}

// drain handles everything the kernel has queued now, without blocking.
func (l *loop) drain() error {
	for {
		n, err := l.w.in.readNow(l.buf)
		if err != nil {
			return fmt.Errorf("watch %s: read inotify events: %w", l.w.root, err)
		}
		if n == 0 {
			if err := l.settle(true); err != nil {
				return err
			}
			return l.checkUnclosed(true)
		}
		if err := l.handleBuffer(l.buf[:n]); err != nil {
			return err
		}
	}
}

// finish hands on what was read before ctx ended: it drains the kernel's
// queue, settles a rename left half-read, and checks what is doubtful.
func (l *loop) finish() error {
	if err := l.drain(); err != nil {
		return err
	}
	if err := l.flushPending(); err != nil {
		return err
	}
	return l.settle(true)
}

// armDeadline bounds the next read while a rename waits for its second
// half or a retry is due, and unbounds it otherwise.
func (l *loop) armDeadline() error {
	var at time.Time
	if p := l.pending; p != nil {
		at = p.at.Add(pairWait) // the settler waits for it
	} else if r, ok := l.st.nextRetry(); ok {
		at = r
	}
	if u, ok := l.unclosed.next(); ok && (at.IsZero() || u.Before(at)) {
		at = u
	}
	// Set every time: Flush and Run's own cancellation set it from
	// other goroutines to wake the read.
	err := l.w.in.file.SetReadDeadline(at)
	if err != nil {
		return fmt.Errorf("watch %s: set read deadline: %w", l.w.root, err)
	}
	return nil
}

func (l *loop) handleBuffer(b []byte) error {
	l.events, l.rewrites = 0, 0
	for len(b) >= unix.SizeofInotifyEvent {
		l.events++
		ev := rawEvent{
			wd:     int32(binary.NativeEndian.Uint32(b[0:4])),
			mask:   binary.NativeEndian.Uint32(b[4:8]),
			cookie: binary.NativeEndian.Uint32(b[8:12]),
		}
		end := unix.SizeofInotifyEvent + int(binary.NativeEndian.Uint32(b[12:16]))
		if end > len(b) {
			return fmt.Errorf("watch %s: short inotify event", l.w.root)
		}
		name := b[unix.SizeofInotifyEvent:end]
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		ev.name = string(name)
		b = b[end:]
		if err := l.handle(ev); err != nil {
			return err
		}
	}
	return nil
}

// emit sends e. It does not give up when ctx ends: what was read is handed
// on, and the receiver keeps receiving until Run returns.
func (l *loop) emit(e event.Event) error {
	l.out <- e
	l.w.sent.Add(1)
	return nil
}

func (l *loop) tree() *tree { return l.w.tree.Load() }

func (l *loop) skip(rel string, isDir bool) bool { return l.w.opts.skip(rel, isDir) }

// overflow recovers from a kernel queue overflow: events were lost, so the
// directories created meanwhile may lack watches and some watches may be
// stale. The tree is walked afresh (the kernel hands back the existing
// descriptor for a directory already watched), watches no longer in it are
// removed, and only then is a Rescan of everything sent, so the full sync
// it triggers starts with every watch in place.
func (l *loop) overflow() error {
	if err := l.flushPending(); err != nil {
		return err
	}
	l.w.log.Warn("inotify queue overflowed; rescanning the whole tree", "root", l.w.root)
	l.w.writing.clear() // closes may have been lost
	clear(l.unclosed)   // the Rescan covers them
	old, t := l.tree(), newTree()
	if err := l.w.walk(t, walkItem{}); err != nil {
		return err
	}
	l.w.tree.Store(t)
	for wd := range old.byWD {
		if t.lookup(wd) == nil {
			l.w.in.rm(wd)
		}
	}
	l.st = newSettler() // its nodes belong to the old tree
	l.st.adopt(l.w.later.take())
	return l.emit(event.Event{Op: event.Rescan, Path: "", IsDir: true})
}

// unmounted handles a file system unmounted from a directory inside the
// tree: its watches are gone and the directory underneath is now visible,
// so it is watched afresh and rescanned.
func (l *loop) unmounted(n *dirNode) error {
	rel, parent, name := n.path(), n.parent, n.name
	l.w.drop(l.tree(), n, false)
	if err := l.w.walk(l.tree(), walkItem{parent: parent, name: name, rel: rel}); err != nil {
		return err
	}
	l.st.adopt(l.w.later.take())
	return l.emit(event.Event{Op: event.Rescan, Path: rel, IsDir: true})
}

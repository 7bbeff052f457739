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
func (w *Watcher) Run(ctx context.Context, out chan<- event.Event) error {
	defer w.Close()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		select {
		case <-ctx.Done():
			w.Close() // wakes the blocked Read
		case <-stop:
		}
	}()
	l := &loop{w: w, ctx: ctx, out: out, buf: make([]byte, max(readBufSize, minReadBuf))}
	err := l.run()
	if ctx.Err() != nil {
		return nil
	}
	w.log.Error("watching stopped", "root", w.root, "err", err)
	return err
}

// loop is Run's state; it lives on Run's goroutine only.
type loop struct {
	w        *Watcher
	ctx      context.Context
	out      chan<- event.Event
	buf      []byte
	pending  *moveFrom // a rename's first half, waiting for its second
	deadline bool      // a read deadline is set for pending
}

// moveFrom is an IN_MOVED_FROM not yet paired with its IN_MOVED_TO.
type moveFrom struct {
	cookie uint32
	rel    string
	isDir  bool
	node   *dirNode // the directory that moved, if watched
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
		n, err := l.w.in.file.Read(l.buf)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			err = l.flushPending()
		} else if err == nil {
			err = l.handleBuffer(l.buf[:n])
		} else {
			err = fmt.Errorf("watch %s: read inotify events: %w", l.w.root, err)
		}
		if err != nil {
			return err
		}
		if err := l.armDeadline(); err != nil {
			return err
		}
	}
}

// armDeadline bounds the next read while a rename waits for its second
// half, and unbounds it otherwise.
func (l *loop) armDeadline() error {
	var err error
	switch {
	case l.pending != nil:
		err = l.w.in.file.SetReadDeadline(time.Now().Add(pairWait))
		l.deadline = true
	case l.deadline:
		err = l.w.in.file.SetReadDeadline(time.Time{})
		l.deadline = false
	}
	if err != nil {
		return fmt.Errorf("watch %s: set read deadline: %w", l.w.root, err)
	}
	return nil
}

func (l *loop) handleBuffer(b []byte) error {
	for len(b) >= unix.SizeofInotifyEvent {
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

func (l *loop) emit(e event.Event) error {
	select {
	case l.out <- e:
		return nil
	case <-l.ctx.Done():
		return l.ctx.Err()
	}
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
	return l.emit(event.Event{Op: event.Rescan, Path: rel, IsDir: true})
}

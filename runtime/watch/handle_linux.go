//go:build linux && !watch_fsnotify

package watch

import (
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/luasync/luasync/runtime/event"
)

// handle turns one kernel event into zero or more events on out, keeping
// the tree of watched directories in step.
func (l *loop) handle(ev rawEvent) error {
	if ev.mask&unix.IN_Q_OVERFLOW != 0 {
		return l.overflow()
	}
	if p := l.pending; p != nil && (ev.mask&unix.IN_MOVED_TO == 0 || ev.cookie != p.cookie) {
		// The kernel queues a rename's halves back to back, so anything
		// else in between means the first half has no partner. Settle it
		// first: the watches it drops must not report this event.
		if err := l.flushPending(); err != nil {
			return err
		}
	}
	n := l.tree().lookup(ev.wd)
	if n == nil {
		return nil // a watch already dropped; its last events are moot
	}
	if ev.name == "" {
		return l.self(n, ev.mask)
	}
	return l.named(n, ev)
}

// named handles an event about the entry ev.name of directory n.
func (l *loop) named(n *dirNode, ev rawEvent) error {
	rel := event.Join(n.path(), ev.name)
	isDir := ev.mask&unix.IN_ISDIR != 0
	switch {
	case ev.mask&unix.IN_MOVED_FROM != 0:
		l.pending = &moveFrom{cookie: ev.cookie, rel: rel, isDir: isDir, node: l.tree().child(n, ev.name)}
		return nil
	case ev.mask&unix.IN_MOVED_TO != 0 && l.pending != nil:
		return l.moved(n, ev.name, rel, isDir)
	case ev.mask&(unix.IN_CREATE|unix.IN_MOVED_TO) != 0:
		return l.arrived(n, ev.name, rel, isDir, ev.mask&unix.IN_MOVED_TO != 0)
	case ev.mask&unix.IN_DELETE != 0:
		return l.deleted(n, ev.name, rel, isDir)
	case ev.mask&(unix.IN_CLOSE_WRITE|unix.IN_MODIFY) != 0:
		if ev.mask&unix.IN_CLOSE_WRITE != 0 {
			l.w.writing.remove(rel)
		}
		return l.report(event.Event{Op: event.Modify, Path: rel, Size: l.size(rel)})
	case ev.mask&unix.IN_ATTRIB != 0:
		return l.report(event.Event{Op: event.Attrib, Path: rel, IsDir: isDir})
	}
	return nil
}

// report sends e unless Skip excludes its path.
func (l *loop) report(e event.Event) error {
	if l.skip(e.Path, e.IsDir) {
		return nil
	}
	return l.emit(e)
}

// size is a regular file's size by lstat; 0 when it is gone already.
func (l *loop) size(rel string) int64 {
	var st unix.Stat_t
	if unix.Lstat(joinAbs(l.w.abs, rel), &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
		return 0
	}
	return st.Size
}

// self handles an event about a watched directory itself. Only the root's
// matter: a subdirectory's are also seen, with its name, in its parent.
func (l *loop) self(n *dirNode, mask uint32) error {
	isRoot := n == l.tree().root
	switch {
	case isRoot && mask&unix.IN_DELETE_SELF != 0:
		return fmt.Errorf("watch %s: source directory was deleted", l.w.root)
	case isRoot && mask&unix.IN_MOVE_SELF != 0:
		return fmt.Errorf("watch %s: source directory was moved away", l.w.root)
	case isRoot && mask&unix.IN_UNMOUNT != 0:
		return fmt.Errorf("watch %s: source directory was unmounted", l.w.root)
	case isRoot && mask&unix.IN_IGNORED != 0:
		return fmt.Errorf("watch %s: the kernel stopped watching the source directory", l.w.root)
	case isRoot && mask&unix.IN_ATTRIB != 0:
		return l.emit(event.Event{Op: event.Attrib, Path: "", IsDir: true})
	case mask&unix.IN_UNMOUNT != 0:
		return l.unmounted(n)
	case mask&unix.IN_IGNORED != 0:
		l.w.drop(l.tree(), n, false)
	}
	return nil
}

// arrived handles a new name in a watched directory: created, or moved in
// from outside the tree or from an excluded place.
func (l *loop) arrived(parent *dirNode, name, rel string, isDir, movedIn bool) error {
	if l.skip(rel, isDir) {
		return nil
	}
	if isDir {
		return l.addTree(parent, name, rel, true)
	}
	e := event.Event{Op: event.Create, Path: rel}
	if movedIn {
		e.Size = l.size(rel) // no close-write will follow a file moved in
	} else {
		e.Open = l.w.opts.Mode != Modify && l.openedForWrite(rel)
		if e.Open {
			l.w.writing.add(rel)
		}
	}
	return l.emit(e)
}

// openedForWrite reports whether a name the kernel just reported as
// created is a regular file with one link: made by open(2), so a
// close-write will follow. A hard link (more links), a symlink, a device or
// a fifo gets no close-write and ships after its settle time.
func (l *loop) openedForWrite(rel string) bool {
	var st unix.Stat_t
	if unix.Lstat(joinAbs(l.w.abs, rel), &st) != nil {
		return false
	}
	return st.Mode&unix.S_IFMT == unix.S_IFREG && st.Nlink == 1
}

// addTree watches a new directory, then reports it (when announce) and
// everything in it as created, recursing with the same order: a watch
// exists before its directory is read, so nothing written in between is
// missed. Duplicates with the kernel's own events are harmless.
func (l *loop) addTree(parent *dirNode, name, rel string, announce bool) error {
	node, err := l.w.watchDir(l.tree(), walkItem{parent: parent, name: name, rel: rel})
	if err != nil {
		return l.w.fatal(err)
	}
	if announce {
		if err := l.emit(event.Event{Op: event.Create, Path: rel, IsDir: true}); err != nil {
			return err
		}
	}
	if node == nil {
		return nil // gone again, unreadable, or watched and scanned already
	}
	ents, err := l.w.list(rel, true)
	if err != nil {
		return err
	}
	for _, e := range ents {
		crel := event.Join(rel, e.name)
		isDir := e.typ == unix.DT_DIR
		switch {
		case l.skip(crel, isDir):
		case isDir:
			err = l.addTree(node, e.name, crel, true)
		default:
			ev := event.Event{Op: event.Create, Path: crel, Size: e.size}
			if e.typ == unix.DT_REG && l.w.opts.Mode != Modify && stillWritten(joinAbs(l.w.abs, crel)) {
				// Created before the watch: its open came unseen, but
				// its close-write will be reported.
				ev.Open = true
				l.w.writing.add(crel)
			}
			err = l.emit(ev)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// stillWritten reports whether some process has the regular file at abs
// open for writing. It asks for a read lease, which the kernel refuses with
// EAGAIN exactly then, and drops it at once (a writer opening the file in
// between waits those microseconds; the lease-break SIGIO is ignored by Go
// unless asked for). Without the right to take leases (not the file's
// owner and no CAP_LEASE) or on a file system without them, it says false:
// the file is then sent as found, and again at its close.
func stillWritten(abs string) bool {
	fd, err := unix.Open(abs, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETLEASE, unix.F_RDLCK); err != nil {
		return err == unix.EAGAIN
	}
	_, _ = unix.FcntlInt(uintptr(fd), unix.F_SETLEASE, unix.F_UNLCK)
	return false
}

func (l *loop) deleted(parent *dirNode, name, rel string, isDir bool) error {
	l.w.writing.remove(rel)
	if c := l.tree().child(parent, name); isDir && c != nil {
		l.w.drop(l.tree(), c, false) // the kernel drops the watch itself
	}
	return l.report(event.Event{Op: event.Delete, Path: rel, IsDir: isDir})
}

// flushPending settles a rename whose second half never came: the name
// left the tree. A directory that left keeps existing, so its watches are
// removed explicitly or they would keep reporting from outside.
func (l *loop) flushPending() error {
	p := l.pending
	if p == nil {
		return nil
	}
	l.pending = nil
	if p.node != nil {
		l.w.drop(l.tree(), p.node, true)
	}
	return l.report(event.Event{Op: event.Delete, Path: p.rel, IsDir: p.isDir})
}

// moved pairs the pending IN_MOVED_FROM with this IN_MOVED_TO. A rename
// across the exclusion boundary is a create or a delete; within the
// watched tree it is one Move, and the directory's watches move with it.
func (l *loop) moved(parent *dirNode, name, rel string, isDir bool) error {
	p := l.pending
	l.pending = nil
	// A file renamed while open leaves the set: at worst a part of it is
	// listed early. A name renamed over is no longer the file written.
	l.w.writing.remove(p.rel)
	l.w.writing.remove(rel)
	fromSkip, toSkip := l.skip(p.rel, p.isDir), l.skip(rel, isDir)
	if (fromSkip || toSkip) && p.node != nil {
		l.w.drop(l.tree(), p.node, true)
	}
	switch {
	case fromSkip && toSkip:
		return nil
	case fromSkip:
		return l.arrived(parent, name, rel, isDir, true)
	case toSkip:
		return l.emit(event.Event{Op: event.Delete, Path: p.rel, IsDir: p.isDir})
	}
	if err := l.emit(event.Event{Op: event.Move, From: p.rel, Path: rel, IsDir: isDir}); err != nil {
		return err
	}
	if !isDir {
		return nil
	}
	if p.node == nil {
		// Not watched before (unreadable then, or lost to an overflow):
		// watch it now and report its content.
		return l.addTree(parent, name, rel, false)
	}
	if displaced := l.tree().move(p.node, parent, name); displaced != nil {
		l.w.drop(l.tree(), displaced, true)
	}
	l.reskip(p.node, rel)
	return nil
}

// reskip drops watches below a moved directory that its new path excludes:
// Skip may look at whole paths, not just names.
func (l *loop) reskip(n *dirNode, rel string) {
	if l.w.opts.Skip == nil {
		return
	}
	for name, c := range n.children {
		crel := event.Join(rel, name)
		if l.skip(crel, true) {
			l.w.drop(l.tree(), c, true)
			continue
		}
		l.reskip(c, crel)
	}
}

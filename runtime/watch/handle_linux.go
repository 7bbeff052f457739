//go:build linux && !watch_fsnotify

package watch

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"

	"github.com/luasync/luasync/runtime/event"
)

// Test hooks, called on Run's goroutine so that a test can change the file
// system exactly where a race would: before an event is handled (with its
// path by the tree), and after a directory's watch is added, before it is
// listed.
var (
	hookEvent   func(mask uint32, rel string)
	hookWatched func(rel string)
)

// handle turns one kernel event into zero or more events on out, keeping
// the tree of watched directories in step.
func (l *loop) handle(ev rawEvent) error {
	if ev.mask&unix.IN_Q_OVERFLOW != 0 {
		return l.overflow()
	}
	if p := l.pending; p != nil && (ev.mask&unix.IN_MOVED_TO == 0 || ev.cookie != p.cookie) {
		// The kernel queues a rename's halves back to back, so anything
		// else in between (another thread's event, rarely) means the
		// first half has no partner, or that pairing it is not worth
		// holding this event back: settle it first as a Delete. Should
		// its partner come after all, it is an arrival, which is as right.
		if err := l.flushPending(); err != nil {
			return err
		}
	}
	n := l.tree().lookup(ev.wd)
	if n == nil {
		return nil // a watch already dropped; its last events are moot
	}
	if hookEvent != nil {
		hookEvent(ev.mask, event.Join(n.path(), ev.name))
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
		l.pending = &moveFrom{cookie: ev.cookie, rel: rel, isDir: isDir, parent: n, name: ev.name, at: time.Now()}
		return nil
	case ev.mask&unix.IN_MOVED_TO != 0 && l.pending != nil:
		return l.moved(n, ev.name, rel, isDir)
	case ev.mask&(unix.IN_CREATE|unix.IN_MOVED_TO) != 0:
		return l.arrived(n, ev.name, rel, isDir, ev.mask&unix.IN_MOVED_TO != 0)
	case ev.mask&unix.IN_DELETE != 0:
		// A directory's watch ends with its own IN_IGNORED, which drops
		// its node by descriptor: by name it could be a newer namesake.
		l.w.writing.remove(rel)
		delete(l.unclosed, rel)
		return l.report(event.Event{Op: event.Delete, Path: rel, IsDir: isDir})
	case ev.mask&unix.IN_MODIFY != 0 && l.w.opts.Mode == CloseWrite:
		if _, again := l.unclosed[rel]; again || l.w.writing.has(rel) {
			l.rewrites++ // see writeNap
		}
		l.unclosed.modified(rel) // see checkUnclosed
		return nil
	case ev.mask&(unix.IN_CLOSE_WRITE|unix.IN_MODIFY) != 0:
		if ev.mask&unix.IN_CLOSE_WRITE != 0 {
			l.w.writing.remove(rel)
			delete(l.unclosed, rel)
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

// self handles an event about a watched directory itself. The root's
// deletion, move or unmount ends watching. Another directory's move says
// that the node may no longer stand where the tree has it: the settler
// checks. Its deletion ends with IN_IGNORED, which drops its node.
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
	case mask&unix.IN_MOVE_SELF != 0:
		l.checkNow(n)
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
		if movedIn {
			return l.addDir(parent, name, rel, movedInto)
		}
		return l.addDir(parent, name, rel, found)
	}
	e := event.Event{Op: event.Create, Path: rel}
	if movedIn {
		e.MayExist = true    // it may have replaced a file the target holds
		e.Size = l.size(rel) // no close-write will follow a file moved in
	} else if l.w.opts.Mode != Modify {
		e.Open = l.openedForWrite(rel)
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

// flushPending settles a rename whose second half never came: the name
// left the tree. A directory that left keeps existing, and its watches
// keep reporting from outside until the settler finds it gone from its
// place and removes them.
func (l *loop) flushPending() error {
	p := l.pending
	if p == nil {
		return nil
	}
	l.pending = nil
	l.checkChild(p)
	return l.report(event.Event{Op: event.Delete, Path: p.rel, IsDir: p.isDir})
}

// checkChild checks the directory a rename took from
// p's place, if one was watched there. By name it may be a newer namesake;
// the check goes by identity.
func (l *loop) checkChild(p *moveFrom) {
	if !p.isDir {
		return
	}
	if n := l.tree().child(p.parent, p.name); n != nil {
		l.checkNow(n)
	}
}

// moved pairs the pending IN_MOVED_FROM with this IN_MOVED_TO. A rename
// across the exclusion boundary is a create or a delete; within the
// watched tree it is one Move, and the directory now at the new name
// takes its place in the tree (see addDir).
func (l *loop) moved(parent *dirNode, name, rel string, isDir bool) error {
	p := l.pending
	l.pending = nil
	// A file renamed while open leaves the set: at worst a part of it is
	// listed early. A name renamed over is no longer the file written.
	l.w.writing.remove(p.rel)
	l.w.writing.remove(rel)
	delete(l.unclosed, p.rel) // the Move syncs the new name
	delete(l.unclosed, rel)
	fromSkip, toSkip := l.skip(p.rel, p.isDir), l.skip(rel, isDir)
	switch {
	case fromSkip && toSkip:
		return nil
	case fromSkip:
		return l.arrived(parent, name, rel, isDir, true)
	case toSkip:
		l.checkChild(p)
		return l.emit(event.Event{Op: event.Delete, Path: p.rel, IsDir: p.isDir})
	}
	if err := l.emit(event.Event{Op: event.Move, From: p.rel, Path: rel, IsDir: isDir}); err != nil {
		return err
	}
	if !isDir {
		return nil
	}
	return l.addDir(parent, name, rel, moveDest)
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

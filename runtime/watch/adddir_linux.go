//go:build linux && !watch_fsnotify

package watch

import (
	"errors"

	"golang.org/x/sys/unix"

	"github.com/luasync/luasync/runtime/event"
)

// how says why a directory is being added, which decides what is reported.
type how uint8

const (
	// found: created, moved in, or found by a scan. The directory and
	// everything in it are reported created; if it turns out to be a
	// watched directory the tree had elsewhere, it is moved to where it
	// is and its subtree reported by a Rescan.
	found how = iota
	// movedInto: as found, for a directory renamed in from outside the
	// tree (or from a directory not watched yet), which may have replaced
	// an empty directory there: its Create is marked MayExist.
	movedInto
	// relisted: found again by a listing the settler asked for. As
	// found, but a directory already watched in place is not reported.
	relisted
	// moveDest: the new name of a rename already reported as a Move.
	// Only what the tree had not watched is reported, by a Rescan.
	moveDest
	// quiet: below a directory reported by a Rescan: watched, not
	// reported.
	quiet
)

// addDir makes sure the directory now at parent/name is watched there. It
// opens parent through its path, checked against its identity; when that
// fails (parent or an ancestor moved since, and those events are still to
// come), the settler lists parent again once the tree has caught up.
func (l *loop) addDir(parent *dirNode, name, rel string, why how) error {
	var pst unix.Stat_t
	pfd, err := l.w.openNode(parent, &pst)
	if err != nil {
		if why == found || why == movedInto {
			if err := l.emit(event.Event{Op: event.Create, Path: rel, IsDir: true, MayExist: why == movedInto}); err != nil {
				return err
			}
		}
		if errors.Is(err, errStale) {
			l.st.check(parent)
			l.st.rescan(parent)
			return nil
		}
		return l.cannot(parent, event.Parent(rel), err)
	}
	defer unix.Close(pfd)
	return l.ensureChild(parent, pfd, name, rel, why)
}

// ensureChild watches the directory name in parent (open as pfd) at that
// place. Everything goes through the directory's own descriptor: the watch,
// its identity, its listing and its subdirectories, so a rename anywhere
// above while this runs cannot make them disagree. The inode already
// watched decides which node it is, never the name it had.
func (l *loop) ensureChild(parent *dirNode, pfd int, name, rel string, why how) error {
	var st unix.Stat_t
	fd, err := openDirAt(pfd, name, &st)
	var n, existing, displaced *dirNode
	if err == nil {
		defer unix.Close(fd)
		n, existing, displaced, err = l.w.watchFD(l.tree(), parent, name, rel, fd, &st)
	}
	if displaced != nil {
		l.st.check(displaced) // renamed or deleted; its events may be on their way
	}
	if existing != nil && (existing.parent != parent || existing.name != name || l.tree().child(parent, name) != existing) {
		return l.relocate(existing, parent, name, rel, why)
	}
	if why == found || why == movedInto {
		// Also when it is gone already or was watched: a duplicate of
		// the kernel's own report is harmless, a missing one is not.
		if err := l.emit(event.Event{Op: event.Create, Path: rel, IsDir: true, MayExist: why == movedInto}); err != nil {
			return err
		}
	}
	if err != nil {
		return l.cannot(parent, rel, err)
	}
	if n == nil {
		return nil // watched and listed already
	}
	if hookWatched != nil {
		hookWatched(rel)
	}
	if !l.w.lost.take(n.id) && why != quiet {
		if why == relisted {
			if err := l.emit(event.Event{Op: event.Create, Path: rel, IsDir: true}); err != nil {
				return err
			}
		}
		return l.scan(n, fd, rel, true)
	}
	// A directory whose watch the watcher removed a moment ago (a rename
	// the tree could not follow yet), found again: what changed in it
	// meanwhile, deletes and renames too, is known to no event, and the
	// target may hold its old content. Only a Rescan makes that right.
	if err := l.scan(n, fd, rel, false); err != nil || why == quiet {
		return err
	}
	return l.emit(event.Event{Op: event.Rescan, Path: rel, IsDir: true})
}

// scan lists a newly watched directory through its descriptor and watches
// its subdirectories; with report, it reports everything in it created.
func (l *loop) scan(n *dirNode, fd int, rel string, report bool) error {
	ents, err := readDirFD(fd, joinAbs(l.w.abs, rel), true)
	if err != nil {
		return l.cannot(n, rel, err)
	}
	for _, e := range ents {
		crel := event.Join(rel, e.name)
		isDir := e.typ == unix.DT_DIR
		switch {
		case l.skip(crel, isDir):
		case isDir && report:
			err = l.ensureChild(n, fd, e.name, crel, found)
		case isDir:
			err = l.ensureChild(n, fd, e.name, crel, quiet)
		case !report:
		default:
			ev := event.Event{Op: event.Create, Path: crel, Size: e.size}
			if e.typ == unix.DT_REG && l.w.opts.Mode != Modify && stillWritten(fd, e.name) {
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

// relocate moves the node of a watched directory to where it was found.
// A rename's own events usually did it already; finding it elsewhere means
// they are still to come or were lost, and the place the directory is in
// now is the truth either way.
func (l *loop) relocate(m, parent *dirNode, name, rel string, why how) error {
	old := m.path()
	displaced, ok := l.tree().move(m, parent, name)
	if !ok {
		// Only a bind mount can show a directory below itself.
		l.w.log.Debug("directory found below itself; not moved", "root", l.w.root, "path", rel)
		return nil
	}
	if displaced != nil {
		l.st.check(displaced)
	}
	l.w.writing.rebase(old, rel, true)
	l.unclosed.rebase(old, rel)
	l.reskip(m, rel)
	if l.w.opts.PathSkip {
		l.st.rescanTree(m)
	}
	if why == moveDest || why == quiet {
		return nil
	}
	return l.emit(event.Event{Op: event.Rescan, Path: rel, IsDir: true})
}

// cannot deals with a directory that could not be opened, watched or read
// during Run: see Watcher.unwatchable. What must be retried is the listing
// of parent, with backoff.
func (l *loop) cannot(parent *dirNode, rel string, err error) error {
	if err == nil || gone(err) && rel != "" {
		return nil
	}
	if errors.Is(err, errStale) {
		l.st.check(parent)
		l.st.rescan(parent)
		return nil
	}
	if errors.Is(err, unix.ENOSPC) {
		return l.w.fatal(errNoWatches)
	}
	l.w.log.Error("directory not watched; will retry", "root", l.w.root, "path", rel, "err", err)
	l.st.retryLater(parent)
	return nil
}

// stillWritten reports whether some process has the regular file name in
// directory dirfd open for writing. It asks for a read lease, which the
// kernel refuses with EAGAIN exactly then, and drops it at once (a writer
// opening the file in between waits those microseconds; the lease-break
// SIGIO is ignored by Go unless asked for). Without the right to take
// leases (not the file's owner and no CAP_LEASE) or on a file system
// without them, it says false: the file is then sent as found, and again
// at its close.
func stillWritten(dirfd int, name string) bool {
	fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
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

//go:build unix

package direct

import (
	"errors"
	"fmt"

	"github.com/luasync/luasync/runtime/event"
	"golang.org/x/sys/unix"
)

// deletePath applies a Delete event.
func (s *Sink) deletePath(rel string) error {
	if rel == "" {
		return fmt.Errorf("delete %s: %w", s.target, errRootGone)
	}
	if !s.opts.Delete || !s.parentKept(rel) {
		return nil
	}
	dfd, err := openDir(s.target, event.Parent(rel))
	if isGone(err) {
		return nil // no parent directory, nothing under it
	}
	if err != nil {
		return err
	}
	defer unix.Close(dfd)
	return s.removeStale(entry{src: -1, dst: dfd, name: base(rel), rel: rel})
}

// removeStale removes the target entry of a source entry that is gone,
// when deletes are on and Keep does not protect it.
func (s *Sink) removeStale(e entry) error {
	if !s.opts.Delete {
		return nil
	}
	if e.rel == "" {
		return fmt.Errorf("delete %s: %w", s.target, errRootGone)
	}
	var tst unix.Stat_t
	exists, err := s.lstatTarget(e, &tst)
	if err != nil || !exists {
		return err
	}
	if !s.keep(e.rel, isType(&tst, unix.S_IFDIR)) {
		return nil
	}
	return s.remove(e, &tst)
}

// remove deletes a target entry, a directory with everything in it except
// what Keep protects (which stays, with its parents, as rsync leaves it).
func (s *Sink) remove(e entry, tst *unix.Stat_t) error {
	if !isType(tst, unix.S_IFDIR) {
		return s.unlink(e.dst, e.name, e.rel, 0)
	}
	err := s.removeDir(e.dst, e.name, e.rel)
	if errors.Is(err, errProtected) {
		s.log.Debug("direct: kept excluded entries of deleted directory", "path", s.dstPath(e.rel))
		return nil
	}
	return err
}

// replace removes a target entry that has the wrong type for what the source
// now holds. Unlike a delete it happens with Options.Delete off too, but then
// only a file or an empty directory is replaced.
func (s *Sink) replace(e entry, tst *unix.Stat_t) error {
	if !isType(tst, unix.S_IFDIR) {
		return s.unlink(e.dst, e.name, e.rel, 0)
	}
	if !s.opts.Delete {
		err := unix.Unlinkat(e.dst, e.name, unix.AT_REMOVEDIR)
		if errors.Is(err, unix.ENOTEMPTY) || errors.Is(err, unix.EEXIST) {
			err = errDeleteOff
		}
		if err != nil && !errors.Is(err, unix.ENOENT) {
			return opError("replace directory", s.dstPath(e.rel), err)
		}
		return nil
	}
	if err := s.removeDir(e.dst, e.name, e.rel); err != nil {
		return opError("replace directory", s.dstPath(e.rel), err)
	}
	return nil
}

func (s *Sink) unlink(dirfd int, name, rel string, flags int) error {
	err := unix.Unlinkat(dirfd, name, flags)
	if err != nil && !errors.Is(err, unix.ENOENT) {
		return opError("remove", s.dstPath(rel), err)
	}
	return nil
}

// removeDir removes directory name under parent and everything below it that
// Keep does not protect, never following a symlink. It returns errProtected
// when protected entries kept the directory from going.
func (s *Sink) removeDir(parent int, name, rel string) error {
	fd, err := unix.Openat(parent, name, dirFlags|unix.O_NOFOLLOW, 0)
	switch {
	case errors.Is(err, unix.ENOENT):
		return nil
	case errors.Is(err, unix.ELOOP), errors.Is(err, unix.ENOTDIR):
		return s.unlink(parent, name, rel, 0) // no longer a directory
	case err != nil:
		return opError("open", s.dstPath(rel), err)
	}
	err = s.removeChildren(fd, rel)
	unix.Close(fd)
	if err != nil {
		return err
	}
	return s.unlink(parent, name, rel, unix.AT_REMOVEDIR)
}

func (s *Sink) removeChildren(fd int, rel string) error {
	ents, err := readDirAt(fd, s.dstPath(rel))
	if err != nil {
		return err
	}
	var first error
	protected := false
	for _, de := range ents {
		crel := event.Join(rel, de.Name())
		if !s.keep(crel, de.IsDir()) {
			protected = true
			continue
		}
		if de.IsDir() {
			err = s.removeDir(fd, de.Name(), crel)
		} else {
			err = s.unlink(fd, de.Name(), crel, 0)
		}
		if errors.Is(err, errProtected) {
			protected = true
		} else if err != nil && first == nil {
			first = err
		}
	}
	if first == nil && protected {
		first = opError("remove", s.dstPath(rel), errProtected)
	}
	return first
}

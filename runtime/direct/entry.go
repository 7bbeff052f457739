//go:build unix

package direct

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// entry names one path on both sides of the mirror: its parent directories,
// open, and its name in them. src < 0 means the source parent is gone.
type entry struct {
	src, dst int
	name     string // "." for a root
	rel      string // relative path: for Keep, messages and temp bookkeeping
	// kept: Keep already accepted this entry (a rescan checks it from the
	// directory listing); otherwise syncEntry asks with the real type.
	kept bool
}

// syncEntry makes the target entry match the source entry as it is now, not
// recursively, and reports whether the source entry is a directory.
func (s *Sink) syncEntry(e entry) (isDir bool, err error) {
	if e.src < 0 {
		return false, s.removeStale(e)
	}
	var st unix.Stat_t
	if err := lstatAt(e.src, e.name, &st); err != nil {
		if isGone(err) {
			return false, s.removeStale(e)
		}
		return false, opError("lstat", s.srcPath(e.rel), err)
	}
	isDir = isType(&st, unix.S_IFDIR)
	if !e.kept && !s.keep(e.rel, isDir) {
		return false, nil
	}
	switch uint32(st.Mode) & unix.S_IFMT {
	case unix.S_IFREG:
		return false, s.syncFile(e, &st)
	case unix.S_IFLNK:
		return false, s.syncSymlink(e, &st)
	case unix.S_IFDIR:
		return true, s.syncDir(e, &st)
	}
	// Fifos, sockets and devices are not mirrored (rsync needs -D for them),
	// and whatever the target holds under that name is left alone, as rsync
	// leaves it: the name is in the source, so it is not an extra.
	s.log.Debug("direct: skipping special file", "path", s.srcPath(e.rel), "mode", fmt.Sprintf("%o", st.Mode))
	return false, nil
}

// lstatTarget stats the target entry; ok is false when it does not exist.
func (s *Sink) lstatTarget(e entry, st *unix.Stat_t) (ok bool, err error) {
	err = lstatAt(e.dst, e.name, st)
	if errors.Is(err, unix.ENOENT) {
		return false, nil
	}
	if err != nil {
		return false, opError("lstat", s.dstPath(e.rel), err)
	}
	return true, nil
}

func (s *Sink) syncFile(e entry, sst *unix.Stat_t) error {
	var tst unix.Stat_t
	exists, err := s.lstatTarget(e, &tst)
	if err != nil {
		return err
	}
	if exists && isType(&tst, unix.S_IFREG) && tst.Size == sst.Size && sameTime(tst.Mtim, sst.Mtim) {
		// Same size and mtime: content is taken as unchanged, as rsync's
		// quick check does; only attributes may need fixing.
		return s.fixAttrs(e, sst, &tst)
	}
	if !exists {
		return s.copyFile(e, nil)
	}
	return s.copyFile(e, &tst)
}

func (s *Sink) syncSymlink(e entry, sst *unix.Stat_t) error {
	link, err := readlinkAt(e.src, e.name)
	if isGone(err) {
		return s.removeStale(e)
	}
	if errors.Is(err, unix.EINVAL) {
		return opError("readlink", s.srcPath(e.rel), errChanged)
	}
	if err != nil {
		return opError("readlink", s.srcPath(e.rel), err)
	}
	var tst unix.Stat_t
	exists, err := s.lstatTarget(e, &tst)
	if err != nil {
		return err
	}
	if exists && isType(&tst, unix.S_IFLNK) {
		if cur, err := readlinkAt(e.dst, e.name); err == nil && cur == link {
			return s.fixLinkAttrs(e, sst, &tst)
		}
	}
	var replaced *unix.Stat_t
	if exists {
		replaced = &tst
	}
	return s.placeSymlink(e, link, sst, replaced)
}

func (s *Sink) syncDir(e entry, sst *unix.Stat_t) error {
	var tst unix.Stat_t
	exists, err := s.lstatTarget(e, &tst)
	if err != nil {
		return err
	}
	if exists && isType(&tst, unix.S_IFDIR) {
		return s.fixDirAttrs(e, sst, &tst)
	}
	if exists {
		if err := s.replace(e, &tst); err != nil {
			return err
		}
	}
	// Created owner-only, then given the source's mode: mkdir's mode is cut
	// by the umask and cannot carry setgid or sticky.
	if err := unix.Mkdirat(e.dst, e.name, 0o700); err != nil {
		if !errors.Is(err, unix.EEXIST) {
			return opError("mkdir", s.dstPath(e.rel), err)
		}
		// Made meanwhile by a concurrent worker creating its parents.
		if err := lstatAt(e.dst, e.name, &tst); err != nil || !isType(&tst, unix.S_IFDIR) {
			return opError("mkdir", s.dstPath(e.rel), unix.EEXIST)
		}
		return s.fixDirAttrs(e, sst, &tst)
	}
	if err := s.setOwnerMode(e.dst, e.name, e.rel, sst); err != nil {
		return err
	}
	// Best effort: every entry later written into the directory moves its
	// mtime again. A rescan sets it once more after filling the directory.
	return s.setTimes(e.dst, e.name, e.rel, sst)
}

// fixAttrs brings owner and mode of an existing file or directory in line.
func (s *Sink) fixAttrs(e entry, sst, tst *unix.Stat_t) error {
	chowned := false
	if s.asRoot && (tst.Uid != sst.Uid || tst.Gid != sst.Gid) {
		if err := unix.Fchownat(e.dst, e.name, int(sst.Uid), int(sst.Gid), unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return opError("chown", s.dstPath(e.rel), err)
		}
		chowned = true // chown clears setuid and setgid: set the mode again
	}
	if chowned || modeOf(tst) != modeOf(sst) {
		if err := unix.Fchmodat(e.dst, e.name, modeOf(sst), 0); err != nil {
			return opError("chmod", s.dstPath(e.rel), err)
		}
	}
	return nil
}

func (s *Sink) fixDirAttrs(e entry, sst, tst *unix.Stat_t) error {
	if err := s.fixAttrs(e, sst, tst); err != nil {
		return err
	}
	if sameTime(tst.Mtim, sst.Mtim) {
		return nil
	}
	return s.setTimes(e.dst, e.name, e.rel, sst)
}

func (s *Sink) fixLinkAttrs(e entry, sst, tst *unix.Stat_t) error {
	if s.asRoot && (tst.Uid != sst.Uid || tst.Gid != sst.Gid) {
		if err := unix.Fchownat(e.dst, e.name, int(sst.Uid), int(sst.Gid), unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return opError("lchown", s.dstPath(e.rel), err)
		}
	}
	if sameTime(tst.Mtim, sst.Mtim) {
		return nil
	}
	return s.setTimes(e.dst, e.name, e.rel, sst)
}

// setOwnerMode gives a new entry the source's owner (as root) and mode;
// owner first, because chown clears setuid and setgid.
func (s *Sink) setOwnerMode(dirfd int, name, rel string, sst *unix.Stat_t) error {
	if s.asRoot {
		if err := unix.Fchownat(dirfd, name, int(sst.Uid), int(sst.Gid), unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return opError("chown", s.dstPath(rel), err)
		}
	}
	if err := unix.Fchmodat(dirfd, name, modeOf(sst), 0); err != nil {
		return opError("chmod", s.dstPath(rel), err)
	}
	return nil
}

func (s *Sink) setTimes(dirfd int, name, rel string, sst *unix.Stat_t) error {
	if err := setTimes(dirfd, name, sst); err != nil {
		return opError("set times of", s.dstPath(rel), err)
	}
	return nil
}

//go:build linux && !watch_fsnotify

package watch

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// Directories are opened once and everything else happens through the
// descriptor: the watch is added on it, its identity read from it, its
// entries listed from it and its subdirectories opened relative to it. A
// rename anywhere above can then never make the watch, the listing and the
// node disagree about which directory they are (see the package doc).

// errStale: a node's path no longer leads to its directory, because it or
// an ancestor was renamed or deleted and the events saying so are not read
// yet (or were lost).
var errStale = errors.New("directory moved since its events were read")

// openDirAt opens the directory name relative to dirfd without following
// a symlink, and stats it.
func openDirAt(dirfd int, name string, st *unix.Stat_t) (int, error) {
	fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	for errors.Is(err, unix.EINTR) {
		fd, err = unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	}
	if err != nil {
		return -1, err
	}
	if err := unix.Fstat(fd, st); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

func idOf(st *unix.Stat_t) dirID { return dirID{dev: uint64(st.Dev), ino: st.Ino} }

// gone reports whether an open or watch failed because the directory is
// no longer there as a directory: deleted, renamed, or replaced by a file
// or a symlink. Its own events say what happened.
func gone(err error) bool {
	return errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR) || errors.Is(err, unix.ELOOP)
}

// openNode opens the directory n stands for by its path, and checks that
// the path still leads to n's inode (errStale if not).
func (w *Watcher) openNode(n *dirNode, st *unix.Stat_t) (int, error) {
	fd, err := openDirAt(unix.AT_FDCWD, joinAbs(w.abs, n.path()), st)
	if gone(err) {
		return -1, errStale
	}
	if err != nil {
		return -1, err
	}
	if idOf(st) != n.id {
		unix.Close(fd)
		return -1, errStale
	}
	return fd, nil
}

// procFD says whether /proc/self/fd works here (it does wherever /proc is
// mounted); without it a watch is added by path and checked afterwards.
var procFD = sync.OnceValue(func() bool {
	_, err := os.Stat("/proc/self/fd")
	return err == nil
})

// addFD adds a watch on the directory open as fd. Through /proc/self/fd
// the kernel resolves the descriptor itself, so the watch is on exactly
// that inode whatever happened to its path. Without /proc it is added by
// abs and checked against fd's identity; a mismatch is errStale.
func (in *inotify) addFD(fd int, abs string, mask uint32, id dirID) (int32, error) {
	if procFD() {
		// IN_DONT_FOLLOW would watch the /proc link itself.
		return in.add("/proc/self/fd/"+strconv.Itoa(fd), mask&^unix.IN_DONT_FOLLOW)
	}
	wd, err := in.add(abs, mask)
	if err != nil {
		return -1, err
	}
	var st unix.Stat_t
	if err := unix.Lstat(abs, &st); err != nil || idOf(&st) != id {
		return -1, fmt.Errorf("add watch %s: %w", abs, errStale)
	}
	return wd, nil
}

// sharedFD is a directory descriptor that the walk's items for its
// subdirectories share; the last one to open its subdirectory closes it.
type sharedFD struct {
	fd   int
	refs atomic.Int32
}

func share(fd int, refs int) *sharedFD {
	s := &sharedFD{fd: fd}
	s.refs.Store(int32(refs))
	return s
}

func (s *sharedFD) release() {
	if s != nil && s.refs.Add(-1) == 0 {
		unix.Close(s.fd)
	}
}

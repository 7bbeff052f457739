//go:build unix

package direct

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Every operation below a mirror root is done relative to an open parent
// directory (openat, fstatat, renameat, ...), and the parent is reached
// without following any symlink below the root. A source path whose parent is
// now a symlink (the writer replaced a directory with a link) must not make
// us read outside the source, and a target parent that is a symlink (mirrored
// from the source) must not make us write or delete outside the target: the
// daemon often runs as root, and the source is often writable by users.
// The roots themselves are opened by path each time, following the
// operator's symlinks, so a root that is replaced or remounted is seen fresh.

const dirFlags = unix.O_RDONLY | unix.O_DIRECTORY | unix.O_CLOEXEC

// errRoot marks a failure to open a mirror root itself: never a sign that an
// event is stale, always worth a retry once the operator fixes the mount.
var errRoot = errors.New("mirror root unavailable")

// openRoot opens a mirror root directory.
func openRoot(root string) (int, error) {
	fd, err := unix.Open(root, dirFlags, 0)
	if err != nil {
		return -1, fmt.Errorf("open %s: %w: %w", root, errRoot, err)
	}
	return fd, nil
}

// openDir opens directory rel below root without following symlinks below
// root. A symlink or non-directory on the way fails with ELOOP or ENOTDIR,
// a missing one with ENOENT: see isGone.
func openDir(root, rel string) (int, error) {
	rfd, err := openRoot(root)
	if err != nil || rel == "" {
		return rfd, err
	}
	defer unix.Close(rfd)
	fd, err := openBeneath(rfd, rel)
	if err != nil {
		return -1, fmt.Errorf("open %s: %w", joinPath(root, rel), err)
	}
	return fd, nil
}

// walkBeneath opens rel below dirfd one component at a time, refusing
// symlinks; it is the portable fallback for openat2(RESOLVE_NO_SYMLINKS).
func walkBeneath(dirfd int, rel string) (int, error) {
	cur := dirfd
	for {
		name, rest, more := strings.Cut(rel, "/")
		fd, err := unix.Openat(cur, name, dirFlags|unix.O_NOFOLLOW, 0)
		if cur != dirfd {
			unix.Close(cur)
		}
		if err != nil {
			return -1, err
		}
		if !more {
			return fd, nil
		}
		cur, rel = fd, rest
	}
}

// isGone reports whether err says a path (or one of its parents below the
// root) does not exist as the kind of thing we looked for: the event that
// named it is stale, and the path is to be treated as absent.
func isGone(err error) bool {
	if errors.Is(err, errRoot) {
		return false
	}
	return errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR) || errors.Is(err, unix.ELOOP)
}

// lstatAt is fstatat without following a final symlink.
func lstatAt(dirfd int, name string, st *unix.Stat_t) error {
	return unix.Fstatat(dirfd, name, st, unix.AT_SYMLINK_NOFOLLOW)
}

// readlinkAt returns a symlink's target text, whatever its length.
func readlinkAt(dirfd int, name string) (string, error) {
	for size := 256; ; size *= 2 {
		buf := make([]byte, size)
		n, err := unix.Readlinkat(dirfd, name, buf)
		if err != nil {
			return "", err
		}
		if n < size {
			return string(buf[:n]), nil
		}
	}
}

// readDirAt lists an open directory. It duplicates fd, so the caller keeps
// ownership of its own descriptor. path is used only in messages and, on
// filesystems without d_type, by os to lstat an entry of unknown type.
func readDirAt(fd int, path string) ([]os.DirEntry, error) {
	dup, err := unix.Openat(fd, ".", dirFlags, 0)
	if err != nil {
		return nil, fmt.Errorf("read dir %s: %w", path, err)
	}
	f := os.NewFile(uintptr(dup), path)
	defer f.Close()
	ents, err := f.ReadDir(-1)
	if err != nil {
		return nil, fmt.Errorf("read dir %s: %w", path, err)
	}
	return ents, nil
}

func isType(st *unix.Stat_t, t uint32) bool { return uint32(st.Mode)&unix.S_IFMT == t }

// modeOf is the part of st_mode a mirror copies: permissions plus setuid,
// setgid and sticky.
func modeOf(st *unix.Stat_t) uint32 { return uint32(st.Mode) & 0o7777 }

func sameTime(a, b unix.Timespec) bool { return a.Sec == b.Sec && a.Nsec == b.Nsec }

// setTimes sets atime and mtime of name (not following a symlink) to st's.
func setTimes(dirfd int, name string, st *unix.Stat_t) error {
	ts := []unix.Timespec{st.Atim, st.Mtim}
	return unix.UtimesNanoAt(dirfd, name, ts, unix.AT_SYMLINK_NOFOLLOW)
}

// joinPath joins a root and a relative path for messages and for os calls
// that need a full name.
func joinPath(root, rel string) string {
	if rel == "" {
		return root
	}
	return root + "/" + rel
}

func deviceOf(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Dev)
	}
	return 0
}

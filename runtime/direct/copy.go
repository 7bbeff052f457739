//go:build unix

package direct

import (
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/luasync/luasync/runtime/event"
	"golang.org/x/sys/unix"
)

// tempPrefix starts the name of every temporary file the sink writes. A
// rescan never takes such a name for an extra entry while it is being
// written, and deletes it once it is not (a leftover from a crash).
const tempPrefix = ".luasync."

// maxTempBase keeps temporary names under NAME_MAX (255 bytes) however long
// the real name is.
const maxTempBase = 200

func isTempName(name string) bool { return strings.HasPrefix(name, tempPrefix) }

func tempName(name string) string {
	if len(name) > maxTempBase {
		name = name[:maxTempBase]
	}
	return tempPrefix + name + "." + strconv.FormatUint(uint64(rand.Uint32()), 16)
}

// bufPool holds copy buffers for copies between filesystems, where
// copy_file_range does not apply.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// temp is a temporary entry being prepared next to its final name.
type temp struct {
	s    *Sink
	e    entry
	name string
	rel  string
}

// newTemp reserves a temporary name beside e and creates it with create,
// which returns EEXIST on a (rare) name collision.
func (s *Sink) newTemp(e entry, create func(name string) error) (*temp, error) {
	for {
		t := &temp{s: s, e: e, name: tempName(e.name)}
		t.rel = event.Join(event.Parent(e.rel), t.name)
		// Registered before it exists, so no rescan can see it unregistered.
		s.inflight.Store(t.rel, struct{}{})
		err := create(t.name)
		if err == nil {
			return t, nil
		}
		s.inflight.Delete(t.rel)
		if !errors.Is(err, unix.EEXIST) {
			return nil, err
		}
	}
}

// commit renames the temporary entry over the final name, first removing a
// directory that stands there (a rename cannot replace one with a non-dir).
func (t *temp) commit(replaced *unix.Stat_t) error {
	if replaced != nil && isType(replaced, unix.S_IFDIR) {
		if err := t.s.replace(t.e, replaced); err != nil {
			return err
		}
	}
	if err := unix.Renameat(t.e.dst, t.name, t.e.dst, t.e.name); err != nil {
		return opError("rename into place", t.s.dstPath(t.e.rel), err)
	}
	t.s.inflight.Delete(t.rel)
	t.name = ""
	return nil
}

// discard removes the temporary entry unless it was committed.
func (t *temp) discard() {
	if t.name == "" {
		return
	}
	unix.Unlinkat(t.e.dst, t.name, 0)
	t.s.inflight.Delete(t.rel)
}

// copyFile copies a regular file to a temporary name and renames it over the
// target. replaced is the target entry's stat, nil if there is none.
func (s *Sink) copyFile(e entry, replaced *unix.Stat_t) error {
	src, sst, err := s.openSource(e)
	if err != nil || src == nil {
		return err
	}
	defer src.Close()
	var dst *os.File
	t, err := s.newTemp(e, func(name string) error {
		fd, err := unix.Openat(e.dst, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
		if err == nil {
			dst = os.NewFile(uintptr(fd), s.dstPath(e.rel))
		}
		return err
	})
	if err != nil {
		return opError("create temporary file for", s.dstPath(e.rel), err)
	}
	defer t.discard()
	if err := s.fillTemp(dst, src, sst, e); err != nil {
		return err
	}
	if err := s.setTimes(e.dst, t.name, e.rel, sst); err != nil {
		return err
	}
	return t.commit(replaced)
}

// openSource opens the source file without following a symlink and without
// blocking on a fifo swapped in since the lstat, and stats what it opened:
// the copy's metadata comes from the file actually read. A nil file with a
// nil error means the source is gone and the stale target was dealt with.
func (s *Sink) openSource(e entry) (*os.File, *unix.Stat_t, error) {
	fd, err := unix.Openat(e.src, e.name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if isGone(err) && !errors.Is(err, unix.ELOOP) {
		return nil, nil, s.removeStale(e)
	}
	if err != nil {
		return nil, nil, opError("open", s.srcPath(e.rel), err)
	}
	var st unix.Stat_t
	err = unix.Fstat(fd, &st)
	if err == nil && !isType(&st, unix.S_IFREG) {
		err = errChanged
	}
	if err == nil {
		err = unix.SetNonblock(fd, false)
	}
	if err != nil {
		unix.Close(fd)
		return nil, nil, opError("open", s.srcPath(e.rel), err)
	}
	return os.NewFile(uintptr(fd), s.srcPath(e.rel)), &st, nil
}

// fillTemp copies content, owner and mode into the open temporary file and
// closes it. Owner before mode: chown clears setuid and setgid.
func (s *Sink) fillTemp(dst, src *os.File, sst *unix.Stat_t, e entry) error {
	err := s.copyData(dst, src, sst)
	if err == nil && s.asRoot {
		err = dst.Chown(int(sst.Uid), int(sst.Gid))
	}
	if err == nil {
		err = unix.Fchmod(int(dst.Fd()), modeOf(sst))
	}
	// Close reports deferred write errors (NFS, some full disks); it counts.
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return opError("copy "+s.srcPath(e.rel)+" to", s.dstPath(e.rel), err)
	}
	return nil
}

// copyData copies file content. On one device, File.ReadFrom uses
// copy_file_range (no copy through user space; a reflink on btrfs and XFS);
// across devices the kernel would refuse it, so a pooled buffer is used
// rather than a fresh one per file.
func (s *Sink) copyData(dst, src *os.File, sst *unix.Stat_t) error {
	if uint64(sst.Dev) == s.targetDev {
		_, err := dst.ReadFrom(src)
		return err
	}
	buf := bufPool.Get().(*[]byte)
	defer bufPool.Put(buf)
	// The wrappers hide ReadFrom and WriteTo, so CopyBuffer uses buf.
	_, err := io.CopyBuffer(struct{ io.Writer }{dst}, struct{ io.Reader }{src}, *buf)
	return err
}

// placeSymlink creates a symlink with the source's text at a temporary name
// and renames it over the target.
func (s *Sink) placeSymlink(e entry, link string, sst, replaced *unix.Stat_t) error {
	t, err := s.newTemp(e, func(name string) error { return unix.Symlinkat(link, e.dst, name) })
	if err != nil {
		return opError("create symlink", s.dstPath(e.rel), err)
	}
	defer t.discard()
	if s.asRoot {
		if err := unix.Fchownat(e.dst, t.name, int(sst.Uid), int(sst.Gid), unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return opError("lchown", s.dstPath(e.rel), err)
		}
	}
	if err := s.setTimes(e.dst, t.name, e.rel, sst); err != nil {
		return err
	}
	return t.commit(replaced)
}

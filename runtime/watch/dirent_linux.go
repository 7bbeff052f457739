//go:build linux && !watch_fsnotify

package watch

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sys/unix"
)

// direntBufs recycles getdents buffers across the goroutines of a walk.
var direntBufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// dirEntry is one name read from a directory. typ is a DT_* value, never
// DT_UNKNOWN; size is set for regular files when asked for.
type dirEntry struct {
	name string
	typ  uint8
	size int64
}

// readDir lists the directory abs; see readDirFD.
func readDir(abs string, sizes bool) ([]dirEntry, error) {
	fd, err := unix.Open(abs, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open directory %s: %w", abs, err)
	}
	defer unix.Close(fd)
	return readDirFD(fd, abs, sizes)
}

// readDirFD lists the open directory fd (named abs in errors) with
// getdents(2): no sorting, no per-entry stat unless the file system does
// not report types or sizes are wanted. A symlink is listed as DT_LNK and
// never followed. It reads from fd's current offset: list a descriptor once.
func readDirFD(fd int, abs string, sizes bool) ([]dirEntry, error) {
	bp := direntBufs.Get().(*[]byte)
	defer direntBufs.Put(bp)
	var ents []dirEntry
	for {
		n, err := unix.Getdents(fd, *bp)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read directory %s: %w", abs, err)
		}
		if n <= 0 {
			break
		}
		ents = parseDirents((*bp)[:n], ents)
	}
	for i := range ents {
		e := &ents[i]
		if e.typ != unix.DT_UNKNOWN && !(sizes && e.typ == unix.DT_REG) {
			continue
		}
		var st unix.Stat_t
		if err := unix.Fstatat(fd, e.name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			continue // gone since getdents; its delete event follows
		}
		e.typ = modeType(st.Mode)
		if e.typ == unix.DT_REG {
			e.size = st.Size
		}
	}
	return ents, nil
}

// parseDirents appends the entries of a getdents64 buffer, minus . and ..
func parseDirents(b []byte, ents []dirEntry) []dirEntry {
	const nameOff = 19 // d_ino(8) d_off(8) d_reclen(2) d_type(1)
	for len(b) >= nameOff {
		reclen := int(binary.NativeEndian.Uint16(b[16:18]))
		if reclen < nameOff || reclen > len(b) {
			break
		}
		name := b[nameOff:reclen]
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		if s := string(name); s != "." && s != ".." {
			ents = append(ents, dirEntry{name: s, typ: b[18]})
		}
		b = b[reclen:]
	}
	return ents
}

func modeType(mode uint32) uint8 {
	switch mode & unix.S_IFMT {
	case unix.S_IFDIR:
		return unix.DT_DIR
	case unix.S_IFREG:
		return unix.DT_REG
	case unix.S_IFLNK:
		return unix.DT_LNK
	case unix.S_IFIFO:
		return unix.DT_FIFO
	case unix.S_IFSOCK:
		return unix.DT_SOCK
	case unix.S_IFCHR:
		return unix.DT_CHR
	}
	return unix.DT_BLK
}

// leafHint spares reading directories that have no subdirectories, which
// is most of them in a big tree: on file systems that count a directory's
// subdirectories in its link count, a link count of 2 means none. Others
// report 1 or other made-up numbers (btrfs, NFS, CIFS, FUSE, overlayfs), so
// the hint is used only on file systems known to keep the count, and only on
// the root's own device: a mount inside the tree may be anything.
type leafHint struct {
	ok  bool
	dev uint64
}

// File systems whose directory link count is 2 + subdirectories.
const (
	ext4Magic  = 0xEF53 // ext2, ext3, ext4
	xfsMagic   = 0x58465342
	tmpfsMagic = 0x01021994
)

func newLeafHint(root string) leafHint {
	var fs unix.Statfs_t
	var st unix.Stat_t
	if unix.Statfs(root, &fs) != nil || unix.Lstat(root, &st) != nil {
		return leafHint{}
	}
	switch fs.Type {
	case ext4Magic, xfsMagic, tmpfsMagic:
		return leafHint{ok: true, dev: uint64(st.Dev)}
	}
	return leafHint{}
}

// isLeaf reports whether the directory with stat st surely has no
// subdirectories.
func (h leafHint) isLeaf(st *unix.Stat_t) bool {
	return h.ok && st.Nlink == 2 && uint64(st.Dev) == h.dev
}

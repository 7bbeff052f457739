package treecmp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// MtimeResolution is how close two regular files' modification times must be
// to count as equal. Filesystems differ in what they store; a microsecond is
// finer than any sync tool promises and coarse enough for every local one.
const MtimeResolution = time.Microsecond

// modeBits are the mode bits a mirror must reproduce: permissions plus
// setuid, setgid and sticky.
const modeBits = fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky

// Diff compares tree a (the expected one, usually the source) with tree b
// (usually the mirror) and returns one line per difference, sorted by path,
// or nil when they are equal. A line is the relative path quoted with %q
// (so odd names stay readable), a colon and the difference, with a's value
// first: `"x/y": mode -rw-r--r-- != -rw-------`, `"z": missing in b`,
// `"w": only in b`. The roots are compared too (type and mode), as ".".
//
// Directory mtimes are not compared: writing into a directory changes its
// mtime, and no sync tool can hold it still while it works.
// The error is for trees that cannot be read, not for differences.
func Diff(a, b string) ([]string, error) {
	d := &differ{a: a, b: b}
	if err := d.entry("."); err != nil {
		return nil, err
	}
	sort.Strings(d.out)
	return d.out, nil
}

type differ struct {
	a, b string
	out  []string
}

func (d *differ) addf(rel, format string, args ...any) {
	d.out = append(d.out, fmt.Sprintf("%q: ", rel)+fmt.Sprintf(format, args...))
}

// entry compares the entry at rel in both trees, and below it for directories.
func (d *differ) entry(rel string) error {
	pa, pb := filepath.Join(d.a, rel), filepath.Join(d.b, rel)
	ia, err := os.Lstat(pa)
	if err != nil {
		return fmt.Errorf("compare trees: lstat %s: %w", pa, err)
	}
	ib, err := os.Lstat(pb)
	if errors.Is(err, fs.ErrNotExist) {
		d.addf(rel, "missing in b")
		return nil
	}
	if err != nil {
		return fmt.Errorf("compare trees: lstat %s: %w", pb, err)
	}
	ta, tb := ia.Mode().Type(), ib.Mode().Type()
	if ta != tb {
		d.addf(rel, "type %s != %s", typeName(ta), typeName(tb))
		return nil
	}
	switch {
	case ia.Mode().IsRegular():
		return d.file(rel, pa, pb, ia, ib)
	case ta == fs.ModeSymlink:
		return d.symlink(rel, pa, pb)
	case ia.IsDir():
		d.mode(rel, ia, ib)
		return d.dir(rel, pa, pb)
	}
	return nil
}

func (d *differ) mode(rel string, ia, ib fs.FileInfo) {
	if ma, mb := ia.Mode()&modeBits, ib.Mode()&modeBits; ma != mb {
		d.addf(rel, "mode %v != %v", ma, mb)
	}
}

func (d *differ) file(rel, pa, pb string, ia, ib fs.FileInfo) error {
	d.mode(rel, ia, ib)
	ma, mb := ia.ModTime().Truncate(MtimeResolution), ib.ModTime().Truncate(MtimeResolution)
	if !ma.Equal(mb) {
		d.addf(rel, "mtime %s != %s", ma.Format(time.RFC3339Nano), mb.Format(time.RFC3339Nano))
	}
	if ia.Size() != ib.Size() {
		d.addf(rel, "size %d != %d", ia.Size(), ib.Size())
		return nil
	}
	same, err := sameContent(pa, pb)
	if err != nil {
		return err
	}
	if !same {
		d.addf(rel, "content differs")
	}
	return nil
}

func (d *differ) symlink(rel, pa, pb string) error {
	la, err := os.Readlink(pa)
	if err != nil {
		return fmt.Errorf("compare trees: %w", err)
	}
	lb, err := os.Readlink(pb)
	if err != nil {
		return fmt.Errorf("compare trees: %w", err)
	}
	if la != lb {
		d.addf(rel, "symlink target %q != %q", la, lb)
	}
	return nil
}

func (d *differ) dir(rel, pa, pb string) error {
	na, err := names(pa)
	if err != nil {
		return err
	}
	nb, err := names(pb)
	if err != nil {
		return err
	}
	inA := make(map[string]bool, len(na))
	for _, n := range na {
		inA[n] = true
	}
	for _, n := range nb {
		if !inA[n] {
			d.addf(join(rel, n), "only in b")
		}
	}
	for _, n := range na {
		if err := d.entry(join(rel, n)); err != nil {
			return err
		}
	}
	return nil
}

func names(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("compare trees: %w", err)
	}
	out := make([]string, len(ents))
	for i, e := range ents {
		out[i] = e.Name()
	}
	return out, nil
}

func join(rel, name string) string {
	if rel == "." {
		return name
	}
	return rel + "/" + name
}

func sameContent(pa, pb string) (bool, error) {
	fa, err := os.Open(pa)
	if err != nil {
		return false, fmt.Errorf("compare trees: %w", err)
	}
	defer fa.Close()
	fb, err := os.Open(pb)
	if err != nil {
		return false, fmt.Errorf("compare trees: %w", err)
	}
	defer fb.Close()
	ba, bb := make([]byte, 64<<10), make([]byte, 64<<10)
	for {
		na, ea := io.ReadFull(fa, ba)
		if ea != nil && !isEOF(ea) {
			return false, fmt.Errorf("compare trees: read %s: %w", pa, ea)
		}
		nb, eb := io.ReadFull(fb, bb)
		if eb != nil && !isEOF(eb) {
			return false, fmt.Errorf("compare trees: read %s: %w", pb, eb)
		}
		if !bytes.Equal(ba[:na], bb[:nb]) {
			return false, nil
		}
		if ea != nil || eb != nil {
			return ea != nil && eb != nil, nil
		}
	}
}

func isEOF(err error) bool {
	return err == io.EOF || err == io.ErrUnexpectedEOF
}

func typeName(t fs.FileMode) string {
	switch {
	case t == 0:
		return "file"
	case t&fs.ModeDir != 0:
		return "dir"
	case t&fs.ModeSymlink != 0:
		return "symlink"
	case t&fs.ModeNamedPipe != 0:
		return "fifo"
	case t&fs.ModeSocket != 0:
		return "socket"
	case t&fs.ModeDevice != 0:
		return "device"
	}
	return t.String()
}

package torture

import (
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"syscall"
	"time"
)

// The primitives: each is one operation in the log, does one thing to the
// tree, and updates the model to match. They are only called when the
// model says they are valid, so an error is a bug in the generator or a
// tree changed behind its back.

func (w *writer) create(p string, data []byte) error {
	w.record("create", fmt.Sprintf("size=%d", len(data)), p)
	if err := writeFile(w.abs(p), os.O_CREATE|os.O_EXCL, 0, data); err != nil {
		return w.fail("create", err)
	}
	w.m.add(p, &entry{kind: file, size: int64(len(data)), mode: 0o644 &^ w.umask})
	return nil
}

func (w *writer) overwrite(p string, data []byte) error {
	w.record("overwrite", fmt.Sprintf("size=%d", len(data)), p)
	if err := writeFile(w.abs(p), os.O_TRUNC, 0, data); err != nil {
		return w.fail("overwrite", err)
	}
	w.m.get(p).size = int64(len(data))
	return nil
}

func (w *writer) appendTo(p string, data []byte) error {
	w.record("append", fmt.Sprintf("size=%d", len(data)), p)
	if err := writeFile(w.abs(p), os.O_APPEND, 0, data); err != nil {
		return w.fail("append", err)
	}
	w.m.get(p).size += int64(len(data))
	return nil
}

// rewrite writes data at off without changing the size: the in-place
// update that a size-and-mtime quick check can miss.
func (w *writer) rewrite(p string, off int64, data []byte) error {
	w.record("rewrite", fmt.Sprintf("off=%d size=%d", off, len(data)), p)
	if err := writeFile(w.abs(p), 0, off, data); err != nil {
		return w.fail("rewrite", err)
	}
	return nil
}

func (w *writer) truncate(p string, size int64) error {
	w.record("truncate", fmt.Sprintf("size=%d", size), p)
	if err := os.Truncate(w.abs(p), size); err != nil {
		return w.fail("truncate", err)
	}
	w.m.get(p).size = size
	return nil
}

// slowWrite writes chunks into p (made if missing, else truncated) with
// pauses between them, holding the file open as a slow upload does.
func (w *writer) slowWrite(p string, chunks [][]byte, pauses []time.Duration) error {
	total := 0
	for _, c := range chunks {
		total += len(c)
	}
	w.record("slow-write", fmt.Sprintf("chunks=%d size=%d", len(chunks), total), p)
	f, err := os.OpenFile(w.abs(p), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return w.fail("slow-write", err)
	}
	for i, c := range chunks {
		if _, err := f.Write(c); err != nil {
			f.Close()
			return w.fail("slow-write", err)
		}
		if i < len(pauses) {
			w.pause(pauses[i])
		}
	}
	if err := f.Close(); err != nil {
		return w.fail("slow-write", err)
	}
	if e := w.m.get(p); e != nil {
		e.size = int64(total)
	} else {
		w.m.add(p, &entry{kind: file, size: int64(total), mode: 0o644 &^ w.umask})
	}
	return nil
}

func (w *writer) chmod(p string, mode fs.FileMode) error {
	w.record("chmod", fmt.Sprintf("mode=%v", mode), p)
	if err := os.Chmod(w.abs(p), mode); err != nil {
		return w.fail("chmod", err)
	}
	w.m.get(p).mode = mode
	return nil
}

func (w *writer) touch(p string, t time.Time) error {
	w.record("touch", "mtime="+t.Format(time.RFC3339Nano), p)
	if err := os.Chtimes(w.abs(p), t, t); err != nil {
		return w.fail("touch", err)
	}
	return nil
}

// mkdir makes one directory; in a setgid directory the kernel makes it
// setgid too.
func (w *writer) mkdir(p string) error {
	w.record("mkdir", "", p)
	if err := os.Mkdir(w.abs(p), 0o755); err != nil {
		return w.fail("mkdir", err)
	}
	mode := 0o755&^w.umask | w.m.get(parent(p)).mode&fs.ModeSetgid
	w.m.add(p, &entry{kind: dir, mode: mode})
	return nil
}

// rename moves from to to, replacing what is there (a file, a symlink or
// an empty directory), as rename(2) does. (os.Rename refuses to replace a
// directory, so it is not used.)
func (w *writer) rename(from, to string) error {
	w.record("rename", "", from, to)
	if err := syscall.Rename(w.abs(from), w.abs(to)); err != nil {
		return w.fail("rename", &os.LinkError{Op: "rename", Old: w.abs(from), New: w.abs(to), Err: err})
	}
	if w.m.get(to) != nil {
		w.m.removeTree(to)
	}
	w.m.move(from, to)
	return nil
}

// remove deletes a file, a symlink or an empty directory.
func (w *writer) remove(p string) error {
	w.record("remove", "", p)
	if err := os.Remove(w.abs(p)); err != nil {
		return w.fail("remove", err)
	}
	w.m.drop(p)
	return nil
}

func (w *writer) removeAll(p string) error {
	w.record("rm -r", fmt.Sprintf("entries=%d", len(w.m.below(p))+1), p)
	if err := os.RemoveAll(w.abs(p)); err != nil {
		return w.fail("rm -r", err)
	}
	w.m.removeTree(p)
	return nil
}

func (w *writer) symlink(target, p string) error {
	w.record("symlink", "-> "+strconv.Quote(target), p)
	if err := os.Symlink(target, w.abs(p)); err != nil {
		return w.fail("symlink", err)
	}
	w.m.add(p, &entry{kind: symlink, target: target, mode: 0o777})
	return nil
}

// writeFile opens an existing or new file with flag added to O_WRONLY,
// writes data at off (or at the end, with O_APPEND) and closes it.
func writeFile(path string, flag int, off int64, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|flag, 0o644)
	if err != nil {
		return err
	}
	if flag&os.O_APPEND != 0 {
		_, err = f.Write(data)
	} else {
		_, err = f.WriteAt(data, off)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

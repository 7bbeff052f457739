package pidfile

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// ErrHeld is what Lock returns, wrapped, when another process holds the
// pidfile; the message names that process's PID when the file tells it.
var ErrHeld = errors.New("held by another running process")

// File is a locked pidfile.
type File struct {
	path string
	f    *os.File
}

// attempts bounds how often Lock starts again when the file it locked was
// replaced or removed meanwhile (its holder was exiting).
const attempts = 10

// Lock creates or opens path, locks it without waiting, and writes the
// calling process's PID into it. The lock lasts until Remove, or until the
// process ends; the descriptor is close-on-exec, so child processes (rsync,
// ssh) never inherit it.
func Lock(path string) (*File, error) {
	for range attempts {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, fmt.Errorf("open pidfile %s: %w", path, err)
		}
		if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
			holder := Holder(f)
			f.Close()
			if errors.Is(err, unix.EWOULDBLOCK) {
				return nil, fmt.Errorf("pidfile %s: %w (%s)", path, ErrHeld, holder)
			}
			return nil, fmt.Errorf("lock pidfile %s: %w", path, err)
		}
		if same, err := stillAt(f, path); err != nil || !same {
			f.Close()
			if err != nil {
				return nil, err
			}
			continue // its holder removed it as we locked it: lock the new one
		}
		p := &File{path: path, f: f}
		if err := p.write(); err != nil {
			f.Close()
			return nil, err
		}
		return p, nil
	}
	return nil, fmt.Errorf("lock pidfile %s: it was replaced %d times while locking; is something removing it?", path, attempts)
}

// stillAt reports whether path still names the open file f.
func stillAt(f *os.File, path string) (bool, error) {
	var open, named unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &open); err != nil {
		return false, fmt.Errorf("stat pidfile %s: %w", path, err)
	}
	if err := unix.Stat(path, &named); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return false, nil
		}
		return false, fmt.Errorf("stat pidfile %s: %w", path, err)
	}
	return open.Dev == named.Dev && open.Ino == named.Ino, nil
}

func (p *File) write() error {
	pid := []byte(strconv.Itoa(os.Getpid()) + "\n")
	if err := p.f.Truncate(0); err != nil {
		return fmt.Errorf("write pidfile %s: %w", p.path, err)
	}
	if _, err := p.f.WriteAt(pid, 0); err != nil {
		return fmt.Errorf("write pidfile %s: %w", p.path, err)
	}
	return nil
}

// Path is the pidfile's path.
func (p *File) Path() string { return p.path }

// Remove deletes the pidfile, then releases its lock: in that order, a
// newcomer either finds the file locked or finds a new one.
func (p *File) Remove() error {
	err := os.Remove(p.path)
	if cerr := p.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close pidfile %s: %w", p.path, cerr)
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("pidfile: %w", err) // a *PathError: it names the operation and path
	}
	return nil
}

// Holder says who holds a lock file that holds a PID, as far as the file
// tells: "pid 4242", or "pid unknown".
func Holder(f *os.File) string {
	b := make([]byte, 32)
	n, _ := f.ReadAt(b, 0)
	pid, err := strconv.Atoi(string(bytes.TrimSpace(b[:n])))
	if err != nil || pid <= 0 {
		return "pid unknown"
	}
	return "pid " + strconv.Itoa(pid)
}

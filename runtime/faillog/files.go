package faillog

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/luasync/luasync/internal/pidfile"
)

// ErrInUse is what Open returns, wrapped, when another process holds the
// fail log's lock: two daemons on one fail log would send every change
// twice, and one's compaction could drop what the other appended.
var ErrInUse = errors.New("held by another luasync")

// lockSuffix names the lock file beside the fail log. The lock cannot be on
// the fail log itself: compaction replaces that file by a rename, and an
// empty fail log is removed.
const lockSuffix = ".lock"

// lock takes an exclusive flock on path+".lock", held while the returned
// file stays open (the descriptor is close-on-exec, so rsync and other
// children never inherit it). The lock file is never removed: unlinking a
// lock file lets a waiter lock the old inode while a newcomer locks a new
// one.
func lock(path string) (*os.File, error) {
	lockPath := path + lockSuffix
	f, created, err := openOrCreate(lockPath, os.O_RDWR)
	if err != nil {
		return nil, fmt.Errorf("open fail log lock %s: %w", lockPath, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		holder := pidfile.Holder(f)
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("fail log %s: %w (%s, lock file %s): stop that luasync first, or give each config its own settings.failLog",
				path, ErrInUse, holder, lockPath)
		}
		return nil, fmt.Errorf("lock fail log %s: %w", lockPath, err)
	}
	// The PID only makes a second instance's message more useful; the lock
	// is the flock, so a full disk that refuses these bytes is no failure.
	if f.Truncate(0) == nil {
		if _, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0); err == nil {
			f.Sync()
		}
	}
	if created {
		if err := syncDir(filepath.Dir(lockPath)); err != nil {
			f.Close()
			return nil, err
		}
	}
	return f, nil
}

// openOrCreate opens path with flag, creating it (mode 0600: paths can be
// sensitive) if it does not exist, and says whether it did: a new file's
// directory entry is durable only once the directory is fsynced.
func openOrCreate(path string, flag int) (f *os.File, created bool, err error) {
	f, err = os.OpenFile(path, flag|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		return f, true, nil
	}
	if !errors.Is(err, fs.ErrExist) {
		return nil, false, err
	}
	f, err = os.OpenFile(path, flag, 0)
	return f, false, err
}

// mkdirAll creates dir and any missing parents, fsyncing the parent of
// each directory it creates.
func mkdirAll(dir string) error {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil || filepath.Dir(d) == d {
			break
		}
		missing = append(missing, d)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create fail log directory %s: %w", dir, err)
	}
	for i := len(missing) - 1; i >= 0; i-- {
		if err := syncDir(filepath.Dir(missing[i])); err != nil {
			return err
		}
	}
	return nil
}

func writeSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err // an *os.PathError: it names the operation and path
	}
	_, werr := f.Write(data)
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		os.Remove(path) // a half-written copy only takes space from the log
		return err
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("fsync directory %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("fsync directory %s: %w", dir, err)
	}
	return nil
}

//go:build linux && !watch_fsnotify

package watch

import (
	"context"
	"errors"
	"fmt"
	"math/bits"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/luasync/luasync/runtime/event"
)

// errNoWatches marks ENOSPC from inotify_add_watch inside a walk; Open and
// Run turn it into limitError once, after the walk has stopped.
var errNoWatches = errors.New("out of inotify watches")

// inotify is one inotify instance. Every syscall on it goes through
// RawConn.Control, so a Close from another goroutine can never let a
// reused descriptor number receive our watches.
type inotify struct {
	file *os.File
	raw  syscall.RawConn
}

func openInotify(root string) (*inotify, error) {
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if errors.Is(err, unix.EMFILE) {
		return nil, instancesError(root, err)
	}
	if err != nil {
		return nil, fmt.Errorf("watch %s: inotify_init1: %w", root, err)
	}
	// Non-blocking, so os.File puts it in the runtime poller: Read parks the
	// goroutine, honours deadlines and is woken by Close.
	f := os.NewFile(uintptr(fd), "inotify")
	raw, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("watch %s: %w", root, err)
	}
	return &inotify{file: f, raw: raw}, nil
}

func (in *inotify) add(abs string, mask uint32) (int32, error) {
	var wd int
	var err error
	if cerr := in.raw.Control(func(fd uintptr) {
		wd, err = unix.InotifyAddWatch(int(fd), abs, mask)
	}); cerr != nil {
		return -1, fmt.Errorf("add watch %s: %w", abs, cerr)
	}
	if err != nil {
		return -1, fmt.Errorf("add watch %s: %w", abs, err)
	}
	return int32(wd), nil
}

// readNow reads what is queued without waiting; 0 means nothing is.
func (in *inotify) readNow(buf []byte) (int, error) {
	var n int
	var err error
	for {
		if cerr := in.raw.Control(func(fd uintptr) { n, err = unix.Read(int(fd), buf) }); cerr != nil {
			return 0, cerr
		}
		switch {
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.EAGAIN):
			return 0, nil
		}
		return n, err
	}
}

// rm removes a watch the kernel may already have dropped (EINVAL then).
func (in *inotify) rm(wd int32) {
	in.raw.Control(func(fd uintptr) {
		unix.InotifyRmWatch(int(fd), uint32(wd))
	})
}

func (in *inotify) close() error { return in.file.Close() }

// limitError is an exhausted kernel limit, told the way an operator fixes it.
type limitError struct {
	msg string
	err error // the errno, for errors.Is
}

func (e *limitError) Error() string { return e.msg }
func (e *limitError) Unwrap() error { return e.err }

// watchesError explains ENOSPC from inotify_add_watch. Counting the tree's
// directories costs a walk, but only once, on the way to stopping.
func watchesError(root, abs string, opts Options) error {
	limit, lerr := readSysctl("max_user_watches")
	dirs := countDirs(abs, opts)
	// Since Linux 5.11 a user namespace (a container, say) may have a lower
	// limit of its own; name the one that binds.
	if nsLimit, err := readProcInt("/proc/sys/user/max_inotify_watches"); err == nil && lerr == nil && nsLimit < limit {
		return &limitError{err: unix.ENOSPC, msg: fmt.Sprintf("watch %s: out of inotify watches: this user namespace "+
			"(a container?) allows %d (user.max_inotify_watches; the host's fs.inotify.max_user_watches is %d) but the "+
			"tree has about %d directories; raise it: sysctl user.max_inotify_watches=%d inside the namespace, or have "+
			"the container runtime set it", root, nsLimit, limit, dirs, suggestLimit(int64(dirs), nsLimit))}
	}
	msg := fmt.Sprintf("watch %s: out of inotify watches: fs.inotify.max_user_watches is %s but the tree has about %d directories",
		root, showLimit(limit, lerr), dirs)
	if lerr == nil && int64(dirs) < limit {
		msg += " and every inotify user of this uid shares that limit"
	}
	msg += fmt.Sprintf("; raise it: sysctl fs.inotify.max_user_watches=%d (persist in /etc/sysctl.d/)",
		suggestLimit(int64(dirs), limit))
	return &limitError{msg: msg, err: unix.ENOSPC}
}

// instancesError explains EMFILE from inotify_init1, which is either the
// per-user instance limit or the process's open-file limit.
func instancesError(root string, err error) error {
	limit, lerr := readSysctl("max_user_instances")
	return &limitError{err: err, msg: fmt.Sprintf("watch %s: out of inotify instances: fs.inotify.max_user_instances is %s "+
		"and this user's programs hold them all (or the open-file limit, ulimit -n, is reached); "+
		"raise it: sysctl fs.inotify.max_user_instances=%d (persist in /etc/sysctl.d/)",
		root, showLimit(limit, lerr), suggestLimit(0, limit))}
}

func readSysctl(name string) (int64, error) {
	return readProcInt("/proc/sys/fs/inotify/" + name)
}

func readProcInt(path string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
}

func showLimit(v int64, err error) string {
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	return strconv.FormatInt(v, 10)
}

// suggestLimit leaves room for the tree to double and for other watchers,
// rounded up to a power of two as sysctl advice usually is.
func suggestLimit(need, current int64) int64 {
	want := max(2*need, 2*current, 8192)
	return 1 << bits.Len64(uint64(want-1))
}

// countDirs counts the directories Open would watch; errors count as
// nothing, the figure is advice.
func countDirs(abs string, opts Options) int {
	var n atomic.Int64
	walkParallel(context.Background(), opts.workers(), "", func(rel string) ([]string, error) {
		n.Add(1)
		ents, err := readDir(joinAbs(abs, rel), false)
		if err != nil {
			return nil, nil
		}
		var subs []string
		for _, e := range ents {
			if c := event.Join(rel, e.name); e.typ == unix.DT_DIR && !opts.skip(c, true) {
				subs = append(subs, c)
			}
		}
		return subs, nil
	})
	return int(n.Load())
}

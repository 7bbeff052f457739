//go:build !linux || watch_fsnotify

package watch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/fsnotify/fsnotify"

	"github.com/luasync/luasync/runtime/event"
)

// Watcher watches one source tree through fsnotify: the portable backend
// for systems without inotify. It cannot pair renames (a rename is a Delete
// of the old name and a Create of the new one) and has no close-write, so
// every Mode reports writes as they happen. Run may be called once.
type Watcher struct {
	root string // as given, for messages
	abs  string // resolved root the syscalls use
	opts Options
	log  *slog.Logger
	fw   *fsnotify.Watcher

	mu   sync.Mutex
	dirs map[string]struct{} // watched directories, relative

	flush     flusher
	flushWake chan struct{}
	sent      atomic.Uint64 // events Run has sent

	closeOnce sync.Once
	closeErr  error
}

// Writing is always false here: fsnotify reports no close-writes, so which
// files are still being written is not known.
func (w *Watcher) Writing(string) bool { return false }

// Open validates root (an existing directory) and watches every directory
// under it that Options.Skip does not exclude, before it returns.
func Open(root string, opts Options) (*Watcher, error) {
	if opts.Mode > CloseWriteOrModify {
		return nil, fmt.Errorf("watch %s: unknown mode %v", root, opts.Mode)
	}
	abs, err := resolveRoot(root)
	if err != nil {
		return nil, err
	}
	// Buffered, so a burst does not stall fsnotify's reader while Run is
	// busy scanning a new directory.
	fw, err := fsnotify.NewBufferedWatcher(4096)
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", root, err)
	}
	w := &Watcher{root: root, abs: abs, opts: opts, log: opts.logger(), fw: fw, dirs: map[string]struct{}{},
		flushWake: make(chan struct{}, 1)}
	w.flush.init()
	if err := w.watchTree(""); err != nil {
		fw.Close()
		return nil, err
	}
	return w, nil
}

// Watches returns how many directories are watched now.
func (w *Watcher) Watches() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.dirs)
}

// Close releases every watch. Run calls it on return; calling it again is
// harmless.
func (w *Watcher) Close() error {
	w.closeOnce.Do(func() {
		w.closeErr = w.fw.Close()
		w.flush.stop(w.sent.Load())
	})
	return w.closeErr
}

// watchTree watches rel and every directory below it, in parallel.
func (w *Watcher) watchTree(rel string) error {
	return walkParallel(context.Background(), w.opts.workers(), rel, func(rel string) ([]string, error) {
		ok, err := w.watchDir(rel)
		if !ok || err != nil {
			return nil, err
		}
		ents, err := w.list(rel)
		var subs []string
		for _, e := range ents {
			if c := event.Join(rel, e.Name()); e.IsDir() && !w.opts.skip(c, true) {
				subs = append(subs, c)
			}
		}
		return subs, err
	})
}

// watchDir adds the watch for rel; false without an error means the
// directory is gone or unreadable (logged), so there is nothing to scan.
func (w *Watcher) watchDir(rel string) (bool, error) {
	if err := w.fw.Add(joinAbs(w.abs, rel)); err != nil {
		switch {
		case rel != "" && errors.Is(err, fs.ErrNotExist):
			return false, nil
		case rel != "" && errors.Is(err, fs.ErrPermission):
			w.log.Warn("directory not watched: permission denied", "root", w.root, "path", rel)
			return false, nil
		}
		return false, fmt.Errorf("watch %s: add watch %s: %w", w.root, joinAbs(w.abs, rel), err)
	}
	w.mu.Lock()
	w.dirs[rel] = struct{}{}
	w.mu.Unlock()
	return true, nil
}

// list reads directory rel; vanished lists as empty, unreadable is logged.
func (w *Watcher) list(rel string) ([]os.DirEntry, error) {
	f, err := os.Open(joinAbs(w.abs, rel))
	if err == nil {
		defer f.Close()
		var ents []os.DirEntry
		ents, err = f.ReadDir(-1)
		if err == nil {
			return ents, nil
		}
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case errors.Is(err, fs.ErrPermission):
		w.log.Warn("directory not scanned: permission denied", "root", w.root, "path", rel)
		return nil, nil
	}
	return nil, fmt.Errorf("watch %s: %w", w.root, err)
}

// forget drops the watches of rel and below; it reports whether rel was a
// watched directory.
func (w *Watcher) forget(rel string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, was := w.dirs[rel]; !was {
		return false
	}
	for d := range w.dirs {
		if d != "" && event.Within(d, rel) {
			delete(w.dirs, d)
			w.fw.Remove(joinAbs(w.abs, d)) // often gone with the directory already
		}
	}
	return true
}

func (w *Watcher) isWatchedDir(rel string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	_, ok := w.dirs[rel]
	return ok
}

// rel maps an absolute event name to a path relative to the root.
func (w *Watcher) rel(name string) (string, bool) {
	r, err := filepath.Rel(w.abs, name)
	if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return "", false
	}
	if r == "." {
		return "", true
	}
	return filepath.ToSlash(r), true
}

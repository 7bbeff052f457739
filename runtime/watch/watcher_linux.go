//go:build linux && !watch_fsnotify

package watch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/luasync/luasync/runtime/event"
)

// maxWatchesForTest, when > 0, makes adding a watch fail with ENOSPC once
// this many are held, so tests meet the real out-of-watches path without
// touching /proc.
var maxWatchesForTest int64

// pairWait is how long a rename's IN_MOVED_FROM that ended a read waits for
// its IN_MOVED_TO. The kernel queues both within one rename(2), but the
// first one already wakes the reader, so on a multi-core machine a read
// often holds only the first. The wait is cut short by the next event, and
// only a name moved out of the tree waits it in full (then to become a
// Delete), so it is generous: a renaming thread preempted between the two
// on a busy machine still gets its Move.
const pairWait = 20 * time.Millisecond

// Watcher watches one source tree with inotify. Run may be called once.
type Watcher struct {
	root string // as given, for messages
	abs  string // resolved root the syscalls use
	opts Options
	log  *slog.Logger
	in   *inotify
	tree atomic.Pointer[tree] // replaced whole after an overflow
	leaf leafHint
	// writing: files created by open(2) and not closed yet (see Writing)
	writing writingSet

	closeOnce sync.Once
	closeErr  error
}

// Open validates root (an existing directory) and watches every directory
// under it that Options.Skip does not exclude, before it returns. Running
// out of fs.inotify.max_user_watches or max_user_instances is an error that
// says which limit and what to set it to.
func Open(root string, opts Options) (*Watcher, error) {
	if opts.Mode > CloseWriteOrModify {
		return nil, fmt.Errorf("watch %s: unknown mode %v", root, opts.Mode)
	}
	abs, err := resolveRoot(root)
	if err != nil {
		return nil, err
	}
	in, err := openInotify(root)
	if err != nil {
		return nil, err
	}
	w := &Watcher{root: root, abs: abs, opts: opts, log: opts.logger(), in: in, leaf: newLeafHint(abs)}
	t := newTree()
	if err := w.walk(t, walkItem{}); err != nil {
		in.close()
		return nil, err
	}
	w.tree.Store(t)
	return w, nil
}

// Watches returns how many directories are watched now.
func (w *Watcher) Watches() int { return int(w.tree.Load().count.Load()) }

// Close releases the inotify instance and with it every watch. Run calls it
// on return; calling it again is harmless.
func (w *Watcher) Close() error {
	w.closeOnce.Do(func() { w.closeErr = w.in.close() })
	return w.closeErr
}

// Writing reports whether rel is a file the kernel reported created by
// open(2) whose close-write has not arrived yet: it is still being
// written, and its own events will say when it is whole. A sink listing a
// new directory's contents leaves such files out rather than sending a
// part now and the whole again at the close. Safe for concurrent use; in
// Modify mode it is always false.
func (w *Watcher) Writing(rel string) bool { return w.writing.has(rel) }

// mask is the inotify event set for a directory. Only the root asks for its
// own deletion and rename: a subdirectory's are seen in its parent's events.
func (w *Watcher) mask(rel string) uint32 {
	m := uint32(unix.IN_CREATE | unix.IN_DELETE | unix.IN_MOVED_FROM | unix.IN_MOVED_TO | unix.IN_ATTRIB |
		unix.IN_ONLYDIR | unix.IN_DONT_FOLLOW | unix.IN_EXCL_UNLINK)
	switch w.opts.Mode {
	case Modify:
		m |= unix.IN_MODIFY
	case CloseWriteOrModify:
		m |= unix.IN_MODIFY | unix.IN_CLOSE_WRITE
	default:
		m |= unix.IN_CLOSE_WRITE
	}
	if rel == "" {
		m |= unix.IN_DELETE_SELF | unix.IN_MOVE_SELF
	}
	return m
}

// walkItem is a directory to watch: parent/name at rel (parent nil: root).
type walkItem struct {
	parent *dirNode
	name   string
	rel    string
}

// walk watches start and every directory below it into t, in parallel,
// without reporting anything. ENOSPC comes back as a limitError.
func (w *Watcher) walk(t *tree, start walkItem) error {
	err := walkParallel(context.Background(), w.opts.workers(), start, func(it walkItem) ([]walkItem, error) {
		node, err := w.watchDir(t, it)
		if node == nil || err != nil {
			return nil, err
		}
		// Checked after the watch exists: a subdirectory made later is
		// reported by it.
		if w.leaf.isLeaf(joinAbs(w.abs, it.rel)) {
			return nil, nil
		}
		ents, err := w.list(it.rel, false)
		var subs []walkItem
		for _, e := range ents {
			rel := event.Join(it.rel, e.name)
			if e.typ == unix.DT_DIR && !w.opts.skip(rel, true) {
				subs = append(subs, walkItem{parent: node, name: e.name, rel: rel})
			}
		}
		return subs, err
	})
	return w.fatal(err)
}

// fatal turns ENOSPC met anywhere into the one message that explains it.
func (w *Watcher) fatal(err error) error {
	if errors.Is(err, errNoWatches) {
		return watchesError(w.root, w.abs, w.opts)
	}
	return err
}

// watchDir adds the watch for it and records it in t. A nil node without
// an error means there is nothing to scan: the directory is gone, is no
// longer a directory, is unreadable (logged), or was already watched.
func (w *Watcher) watchDir(t *tree, it walkItem) (*dirNode, error) {
	abs := joinAbs(w.abs, it.rel)
	var wd int32
	var err error
	if limit := maxWatchesForTest; limit > 0 && t.count.Load() >= limit {
		err = fmt.Errorf("add watch %s: %w", abs, unix.ENOSPC)
	} else {
		wd, err = w.in.add(abs, w.mask(it.rel))
	}
	switch {
	case err == nil:
	case errors.Is(err, unix.ENOSPC):
		return nil, fmt.Errorf("%w: %w", errNoWatches, err)
	case it.rel != "" && (errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR)):
		return nil, nil // raced with a delete or replace; its events follow
	case it.rel != "" && errors.Is(err, unix.EACCES):
		w.log.Warn("directory not watched: permission denied", "root", w.root, "path", it.rel)
		return nil, nil
	default:
		return nil, fmt.Errorf("watch %s: %w", w.root, err)
	}
	node, displaced := t.insert(it.parent, it.name, wd)
	if displaced != nil {
		w.drop(t, displaced, true)
	}
	return node, nil
}

// list reads directory rel; a directory that vanished lists as empty and an
// unreadable one is logged and skipped, so one bad directory never stops a
// whole tree from being watched.
func (w *Watcher) list(rel string, sizes bool) ([]dirEntry, error) {
	ents, err := readDir(joinAbs(w.abs, rel), sizes)
	switch {
	case err == nil:
		return ents, nil
	case errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR):
		return nil, nil
	case errors.Is(err, unix.EACCES):
		w.log.Warn("directory not scanned: permission denied", "root", w.root, "path", rel)
		return nil, nil
	}
	return nil, fmt.Errorf("watch %s: %w", w.root, err)
}

// drop forgets n and its subtree; rm also asks the kernel to stop
// watching, for directories that left the tree but still exist.
func (w *Watcher) drop(t *tree, n *dirNode, rm bool) {
	for _, wd := range t.detach(n) {
		if rm {
			w.in.rm(wd)
		}
	}
}

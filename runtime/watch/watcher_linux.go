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
var pairWait = 20 * time.Millisecond

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
	// later: what walks (Open, an overflow) left for Run to settle
	later later
	flush flusher
	lost  lostSet       // see lostSet
	sent  atomic.Uint64 // events Run has sent
	// rounds counts the loop's turns: each waits for the kernel, a
	// deadline or a wake-up; a test checks that an idle loop sleeps.
	rounds atomic.Uint64

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
	w.flush.init()
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
	w.closeOnce.Do(func() {
		w.closeErr = w.in.close()
		w.flush.stop(w.sent.Load())
	})
	return w.closeErr
}

// Writing reports whether rel is a file the kernel reported created by
// open(2) whose close-write has not arrived yet: it is still being
// written, and its own events will say when it is whole. A sink listing a
// new directory's contents leaves such files out rather than sending a
// part now and the whole again at the close. Safe for concurrent use; in
// Modify mode it is always false.
func (w *Watcher) Writing(rel string) bool { return w.writing.has(rel) }

// mask is the inotify event set for a directory. Every directory reports
// its own moves (IN_MOVE_SELF), which tell which watched directory a rename
// took along; only the root asks for its own deletion: a subdirectory's is
// seen in its parent's events, and its watch then ends with IN_IGNORED.
func (w *Watcher) mask(rel string) uint32 {
	m := uint32(unix.IN_CREATE | unix.IN_DELETE | unix.IN_MOVED_FROM | unix.IN_MOVED_TO | unix.IN_ATTRIB |
		unix.IN_MOVE_SELF | unix.IN_ONLYDIR | unix.IN_DONT_FOLLOW | unix.IN_EXCL_UNLINK)
	switch w.opts.Mode {
	case Modify:
		m |= unix.IN_MODIFY
	default:
		// CloseWrite asks for IN_MODIFY too: truncate(2) by path changes a
		// file without opening it, and reports nothing else (see named).
		m |= unix.IN_MODIFY | unix.IN_CLOSE_WRITE
	}
	if rel == "" {
		m |= unix.IN_DELETE_SELF
	}
	return m
}

// walkItem is a directory to watch: parent/name at rel, opened relative
// to pfd (parent nil: the root, opened by its path).
type walkItem struct {
	parent *dirNode
	pfd    *sharedFD
	name   string
	rel    string
}

// walk watches start and every directory below it into t, in parallel,
// without reporting anything. ENOSPC comes back as a limitError; a
// directory that cannot be watched for another reason is logged and left
// for Run to retry. On an error the walk stops; descriptors of items it
// did not reach stay open until the process exits (the error is fatal).
func (w *Watcher) walk(t *tree, start walkItem) error {
	err := walkParallel(context.Background(), w.opts.workers(), start, func(it walkItem) ([]walkItem, error) {
		return w.visit(t, it)
	})
	return w.fatal(err)
}

// visit watches one directory of a walk and returns its subdirectories.
func (w *Watcher) visit(t *tree, it walkItem) ([]walkItem, error) {
	var st unix.Stat_t
	fd, err := w.openItem(it, &st)
	it.pfd.release()
	if err != nil {
		return nil, w.unwatchable(it.parent, it.rel, err)
	}
	n, _, displaced, err := w.watchFD(t, it.parent, it.name, it.rel, fd, &st)
	if err != nil || n == nil || w.leaf.isLeaf(&st) {
		unix.Close(fd)
		return nil, w.unwatchable(it.parent, it.rel, err)
	}
	if displaced != nil {
		w.later.verify(displaced) // a rename during the walk
	}
	// Listed after the watch exists: a subdirectory made later is
	// reported by it.
	ents, err := readDirFD(fd, joinAbs(w.abs, it.rel), false)
	var subs []walkItem
	for _, e := range ents {
		rel := event.Join(it.rel, e.name)
		if e.typ == unix.DT_DIR && !w.opts.skip(rel, true) {
			subs = append(subs, walkItem{parent: n, name: e.name, rel: rel})
		}
	}
	if len(subs) == 0 {
		unix.Close(fd)
	} else {
		s := share(fd, len(subs))
		for i := range subs {
			subs[i].pfd = s
		}
	}
	if err != nil {
		return subs, w.unwatchable(n, it.rel, err)
	}
	return subs, nil
}

// openItem opens a walk item's directory.
func (w *Watcher) openItem(it walkItem, st *unix.Stat_t) (int, error) {
	if it.parent == nil {
		return openDirAt(unix.AT_FDCWD, w.abs, st)
	}
	if it.pfd == nil {
		return w.openChild(it.parent, it.name, st)
	}
	return openDirAt(it.pfd.fd, it.name, st)
}

// openChild opens parent/name through parent's path, checked against its
// identity first.
func (w *Watcher) openChild(parent *dirNode, name string, st *unix.Stat_t) (int, error) {
	var pst unix.Stat_t
	pfd, err := w.openNode(parent, &pst)
	if err != nil {
		return -1, err
	}
	defer unix.Close(pfd)
	return openDirAt(pfd, name, st)
}

// watchFD adds the watch for the directory open as fd and records it in t
// as parent/name, unless its inode is watched already (existing).
func (w *Watcher) watchFD(t *tree, parent *dirNode, name, rel string, fd int, st *unix.Stat_t) (n, existing, displaced *dirNode, err error) {
	var wd int32
	if limit := maxWatchesForTest; limit > 0 && t.count.Load() >= limit {
		err = fmt.Errorf("add watch %s: %w", joinAbs(w.abs, rel), unix.ENOSPC)
	} else {
		wd, err = w.in.addFD(fd, joinAbs(w.abs, rel), w.mask(rel), idOf(st))
	}
	if err != nil {
		return nil, nil, nil, err
	}
	n, existing, displaced = t.insert(parent, name, wd, idOf(st))
	return n, existing, displaced, nil
}

// unwatchable sorts out why a directory could not be opened, watched or
// read: gone is fine (its events follow), ENOSPC is fatal, and anything
// else about a directory that still exists is logged as an error and left
// for Run to retry through its parent: it is never silently skipped.
func (w *Watcher) unwatchable(parent *dirNode, rel string, err error) error {
	switch {
	case err == nil, gone(err) && rel != "":
		return nil
	case errors.Is(err, unix.ENOSPC):
		return fmt.Errorf("%w: %w", errNoWatches, err)
	case rel == "" || parent == nil:
		return fmt.Errorf("watch %s: %w", w.root, err)
	}
	w.log.Error("directory not watched; will retry", "root", w.root, "path", rel, "err", err)
	w.later.rescan(parent)
	return nil
}

// later collects, from a walk's goroutines, the directories whose children
// must be listed again and the nodes whose place must be checked; Run's
// loop takes them over.
type later struct {
	mu              sync.Mutex
	rescans, checks []*dirNode
}

func (l *later) rescan(n *dirNode) {
	l.mu.Lock()
	l.rescans = append(l.rescans, n)
	l.mu.Unlock()
}

func (l *later) verify(n *dirNode) {
	l.mu.Lock()
	l.checks = append(l.checks, n)
	l.mu.Unlock()
}

func (l *later) take() (rescans, checks []*dirNode) {
	l.mu.Lock()
	defer l.mu.Unlock()
	rescans, checks = l.rescans, l.checks
	l.rescans, l.checks = nil, nil
	return rescans, checks
}

// fatal turns ENOSPC met anywhere into the one message that explains it.
func (w *Watcher) fatal(err error) error {
	if errors.Is(err, errNoWatches) {
		return watchesError(w.root, w.abs, w.opts)
	}
	return err
}

// drop forgets n and its subtree; rm also asks the kernel to stop
// watching, for directories that left the tree but still exist.
func (w *Watcher) drop(t *tree, n *dirNode, rm bool) {
	if rm {
		w.writing.rebase(n.path(), "", false) // their closes will not be seen
	}
	for _, d := range t.detach(n) {
		if rm {
			w.in.rm(d.wd)
			w.lost.add(d.id)
		}
	}
}

// maxLost bounds the lost set; past it, the set starts over.
const maxLost = 4096

// lostSet is the directories whose watch the watcher removed while they
// still existed (out of its place, it seemed): found again, unwatched,
// they may have changed unseen, so they are reported by a Rescan rather
// than as new. Run's goroutine only.
type lostSet map[dirID]struct{}

func (s *lostSet) add(id dirID) {
	if *s == nil || len(*s) >= maxLost {
		*s = make(lostSet)
	}
	(*s)[id] = struct{}{}
}

// take reports whether id was lost, and forgets it.
func (s lostSet) take(id dirID) bool {
	_, ok := s[id]
	delete(s, id)
	return ok
}

//go:build unix

package direct

import (
	"context"
	"fmt"
	"sync"

	"github.com/luasync/luasync/runtime/event"
	"golang.org/x/sys/unix"
)

// RescanWorkers bounds the goroutines a rescan spreads subdirectories over,
// besides the caller's. Package-level so tests and benchmarks can vary it.
var RescanWorkers = 4

// rescan makes the target subtree at rel identical to the source subtree,
// but for what scope (nil: nothing) skips, which it neither copies nor
// deletes. Extras on the target are deleted by Options.FullDelete in a
// full sync (rel is the root) and by Options.Delete in any other rescan.
func (s *Sink) rescan(ctx context.Context, rel string, scope *event.Scope) error {
	if !s.parentKept(rel) {
		return nil
	}
	var isDir bool
	var err error
	if rel == "" {
		isDir, err = s.syncRoot()
	} else {
		err = s.withEntry(rel, func(e entry) error {
			isDir, err = s.syncEntry(e)
			return err
		})
	}
	if err != nil || !isDir {
		return err
	}
	del := s.opts.Delete
	if rel == "" {
		del = s.opts.FullDelete
	}
	w := &walk{s: s, ctx: ctx, scope: scope, del: del, sem: make(chan struct{}, RescanWorkers), errs: rescanError{path: s.dstPath(rel)}}
	w.dir(rel)
	w.wg.Wait()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("rescan %s: %w", s.dstPath(rel), err)
	}
	if w.errs.total > 0 {
		return &w.errs
	}
	return nil
}

// walk is one rescan's traversal: each directory is one pass over both
// sides' listings, and subdirectories are handed to spare goroutines when
// there are any, or done in place when not. A failure on one entry is
// recorded and the walk goes on, so one bad file does not stall a mirror.
type walk struct {
	s     *Sink
	ctx   context.Context
	scope *event.Scope
	del   bool // delete extras
	sem   chan struct{}
	wg    sync.WaitGroup

	mu   sync.Mutex
	errs rescanError
}

func (w *walk) record(err error) {
	w.mu.Lock()
	w.errs.add(err)
	w.mu.Unlock()
}

func (w *walk) dir(rel string) {
	subdirs, errs := w.s.dirPass(w.ctx, rel, w.scope, w.del)
	for _, err := range errs {
		w.record(err)
	}
	for _, sub := range subdirs {
		if w.ctx.Err() != nil {
			return
		}
		select {
		case w.sem <- struct{}{}:
			w.wg.Add(1)
			go func() {
				defer func() { <-w.sem; w.wg.Done() }()
				w.dir(sub)
			}()
		default:
			w.dir(sub)
		}
	}
}

// dirPass syncs the entries of directory rel (whose own target directory
// exists by now), removes extras if del, sets the directory's own mode and mtime
// last, and returns the subdirectories still to walk.
func (s *Sink) dirPass(ctx context.Context, rel string, scope *event.Scope, del bool) (subdirs []string, errs []error) {
	sfd, dfd, err := s.openPair(rel)
	if err != nil || sfd < 0 {
		return nil, errs1(err)
	}
	defer unix.Close(sfd)
	defer unix.Close(dfd)
	var sst, tst unix.Stat_t
	if err := unix.Fstat(sfd, &sst); err != nil {
		return nil, errs1(opError("stat", s.srcPath(rel), err))
	}
	if err := unix.Fstat(dfd, &tst); err != nil {
		return nil, errs1(opError("stat", s.dstPath(rel), err))
	}
	if !s.asRoot && tst.Mode&0o300 != 0o300 {
		// Without root, a read-only directory must be writable while we
		// fill it; its mode is set back at the end of the pass.
		if err := unix.Fchmod(dfd, modeOf(&tst)|0o700); err != nil {
			return nil, errs1(opError("chmod", s.dstPath(rel), err))
		}
	}
	subdirs, errs = s.syncChildren(ctx, sfd, dfd, rel, scope, del)
	if ctx.Err() != nil {
		return nil, errs
	}
	if err := s.finishDir(dfd, rel, &sst); err != nil {
		errs = append(errs, err)
	}
	return subdirs, errs
}

func errs1(err error) []error {
	if err == nil {
		return nil
	}
	return []error{err}
}

// openPair opens directory rel on both sides. When the source no longer has
// it, the entry is synced as gone (sfd < 0, no error).
func (s *Sink) openPair(rel string) (sfd, dfd int, err error) {
	sfd, err = openDir(s.source, rel)
	if err == nil {
		dfd, err = openDir(s.target, rel)
		if err == nil {
			return sfd, dfd, nil
		}
		unix.Close(sfd)
	}
	if !isGone(err) || rel == "" {
		return -1, -1, err
	}
	// It changed since the parent's pass listed it; sync what is there now.
	return -1, -1, s.withEntry(rel, func(e entry) error {
		_, err := s.syncEntry(e)
		return err
	})
}

// syncChildren syncs each source entry into the target directory and
// deletes target entries the source does not have, leaving alone what
// Keep drops or scope skips, and all of them unless del.
func (s *Sink) syncChildren(ctx context.Context, sfd, dfd int, rel string, scope *event.Scope, del bool) (subdirs []string, errs []error) {
	sents, err := readDirAt(sfd, s.srcPath(rel))
	if err != nil {
		return nil, errs1(err)
	}
	tents, err := readDirAt(dfd, s.dstPath(rel))
	if err != nil {
		return nil, errs1(err)
	}
	extra := make(map[string]bool, len(tents)) // name -> is a directory
	for _, de := range tents {
		extra[de.Name()] = de.IsDir()
	}
	for _, de := range sents {
		if ctx.Err() != nil {
			return nil, errs
		}
		name, crel := de.Name(), event.Join(rel, de.Name())
		delete(extra, name) // in the source: not an extra, even if excluded
		if !s.keep(crel, de.IsDir()) || scope.Skips(crel, de.IsDir()) {
			continue
		}
		isDir, err := s.syncEntry(entry{src: sfd, dst: dfd, name: name, rel: crel, kept: true})
		if err != nil {
			errs = append(errs, err)
		} else if isDir {
			subdirs = append(subdirs, crel)
		}
	}
	for name, isDir := range extra {
		if ctx.Err() != nil {
			return nil, errs
		}
		if scope.Skips(event.Join(rel, name), isDir) {
			continue
		}
		if err := s.removeExtra(sfd, dfd, rel, name, isDir, del); err != nil {
			errs = append(errs, err)
		}
	}
	return subdirs, errs
}

// removeExtra deletes a target entry the source does not have, unless
// deletes are off or Keep protects it. Temporary files are ours: one still
// being written is left alone, a leftover from a crash always goes.
func (s *Sink) removeExtra(sfd, dfd int, rel, name string, isDir, del bool) error {
	e := entry{src: -1, dst: dfd, name: name, rel: event.Join(rel, name)}
	if isTempName(name) {
		if _, busy := s.inflight.Load(e.rel); busy {
			return nil
		}
	} else if !del || !s.keep(e.rel, isDir) {
		return nil
	}
	var st unix.Stat_t
	if lstatAt(sfd, name, &st) == nil {
		// Created in the source since we listed it, and most likely just
		// copied by an event running beside this rescan: not an extra.
		return nil
	}
	exists, err := s.lstatTarget(e, &st)
	if err != nil || !exists {
		return err
	}
	return s.remove(e, &st)
}

// finishDir sets the target directory's mode, owner and mtime once its
// entries are written, so the mtime sticks.
func (s *Sink) finishDir(dfd int, rel string, sst *unix.Stat_t) error {
	var tst unix.Stat_t
	if err := unix.Fstat(dfd, &tst); err != nil {
		return opError("stat", s.dstPath(rel), err)
	}
	e := entry{src: -1, dst: dfd, name: ".", rel: rel}
	return s.fixDirAttrs(e, sst, &tst)
}

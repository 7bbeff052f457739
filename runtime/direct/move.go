//go:build unix

package direct

import (
	"context"
	"errors"
	"fmt"

	"github.com/luasync/luasync/runtime/event"
	"golang.org/x/sys/unix"
)

// errFromMissing: the target never had the move's old path.
var errFromMissing = errors.New("old path not in the mirror")

// move applies a Move event: rename on the target, then sync the new path as
// for Modify. When the rename cannot stand for the source's state (old path
// never synced, new path's parent not a directory, ...) it falls back to
// copying the new path's subtree and deleting the old path.
func (s *Sink) move(ctx context.Context, ev event.Event) error {
	from, to := ev.From, ev.Path
	if err := event.CheckPath(from); err != nil {
		return err
	}
	if from == "" || to == "" {
		return fmt.Errorf("move %q to %q: %w", from, to, event.ErrBadPath)
	}
	fromKept, toKept := s.keep(from, ev.IsDir), s.keep(to, ev.IsDir)
	switch {
	case !fromKept && !toKept:
		return nil
	case !fromKept:
		return s.rescan(ctx, to, nil) // moved in from an excluded place: a copy
	case !toKept:
		return s.deletePath(from) // moved out of the mirror: a delete
	case !s.opts.Delete:
		return s.rescan(ctx, to, nil) // the old path must stay: copy the new one
	case event.Within(to, from):
		return s.rescan(ctx, from, nil) // no real rename does this; the state decides
	case event.Within(from, to):
		return s.rescan(ctx, to, nil)
	}
	err := s.renameTarget(from, to)
	if errors.Is(err, errFromMissing) {
		return s.rescan(ctx, to, nil)
	}
	if err != nil {
		s.log.Debug("direct: rename failed, copying instead", "from", s.dstPath(from), "to", s.dstPath(to), "err", err)
		return errors.Join(s.rescan(ctx, to, nil), s.deletePath(from))
	}
	return s.syncPath(to)
}

// renameTarget renames target/from to target/to, replacing what stands at to.
func (s *Sink) renameTarget(from, to string) error {
	ffd, err := openDir(s.target, event.Parent(from))
	if isGone(err) {
		return errFromMissing
	}
	if err != nil {
		return err
	}
	defer unix.Close(ffd)
	var fst unix.Stat_t
	if err := lstatAt(ffd, base(from), &fst); errors.Is(err, unix.ENOENT) {
		return errFromMissing
	} else if err != nil {
		return opError("lstat", s.dstPath(from), err)
	}
	tfd, err := s.targetParent(to)
	if err != nil {
		return err
	}
	defer unix.Close(tfd)
	dst := entry{src: -1, dst: tfd, name: base(to), rel: to}
	var tst unix.Stat_t
	exists, err := s.lstatTarget(dst, &tst)
	if err != nil {
		return err
	}
	// rename replaces a file with a file and an empty directory with a
	// directory; anything else at the new path goes first.
	if exists && (isType(&tst, unix.S_IFDIR) || uint32(tst.Mode)&unix.S_IFMT != uint32(fst.Mode)&unix.S_IFMT) {
		if err := s.replace(dst, &tst); err != nil {
			return err
		}
	}
	if err := unix.Renameat(ffd, base(from), tfd, base(to)); err != nil {
		return fmt.Errorf("rename %s to %s: %w", s.dstPath(from), s.dstPath(to), err)
	}
	return nil
}

// targetParent opens the target directory that is to hold rel, making it
// (and its parents) from the source when missing.
func (s *Sink) targetParent(rel string) (int, error) {
	dir := event.Parent(rel)
	fd, err := openDir(s.target, dir)
	if !isGone(err) {
		return fd, err
	}
	fd, srcGone, err := s.makeTargetDir(dir)
	if srcGone && err == nil {
		err = opError("open", s.srcPath(dir), unix.ENOENT)
	}
	return fd, err
}

//go:build unix

package direct

import (
	"strings"

	"github.com/luasync/luasync/runtime/event"
	"golang.org/x/sys/unix"
)

// syncPath applies a Create, Modify or Attrib event: one entry, not
// recursively (a new directory's contents arrive as their own events).
func (s *Sink) syncPath(rel string) error {
	if rel == "" {
		_, err := s.syncRoot()
		return err
	}
	if !s.parentKept(rel) {
		return nil
	}
	return s.withEntry(rel, func(e entry) error {
		_, err := s.syncEntry(e)
		return err
	})
}

// syncRoot makes the target root's mode, owner and mtime match the source's.
func (s *Sink) syncRoot() (bool, error) {
	sfd, err := openRoot(s.source)
	if err != nil {
		return false, err
	}
	defer unix.Close(sfd)
	dfd, err := openRoot(s.target)
	if err != nil {
		return false, err
	}
	defer unix.Close(dfd)
	return s.syncEntry(entry{src: sfd, dst: dfd, name: ".", rel: "", kept: true})
}

// withEntry opens the parents of rel on both sides and calls fn. A missing
// target parent is created with the source's modes (its own Create may be in
// a batch that failed); a missing source parent means the entry is gone.
func (s *Sink) withEntry(rel string, fn func(entry) error) error {
	dir := event.Parent(rel)
	sfd, err := openDir(s.source, dir)
	if err != nil && !isGone(err) {
		return err
	}
	if err != nil {
		sfd = -1
	} else {
		defer unix.Close(sfd)
	}
	dfd, err := openDir(s.target, dir)
	switch {
	case err == nil:
	case isGone(err) && sfd < 0:
		return nil // neither side has the parent: nothing to copy or delete
	case isGone(err):
		var srcGone bool
		dfd, srcGone, err = s.makeTargetDir(dir)
		if srcGone {
			return nil // gone from the source while we looked: nothing to copy
		}
		if err != nil {
			return err
		}
	default:
		return err
	}
	defer unix.Close(dfd)
	return fn(entry{src: sfd, dst: dfd, name: base(rel), rel: rel})
}

// makeTargetDir creates (or turns into a directory) each missing target
// directory on the way to rel, from the root down, with the source's modes.
// srcGone reports that the source no longer has a directory at rel.
func (s *Sink) makeTargetDir(rel string) (fd int, srcGone bool, err error) {
	sfd, err := openRoot(s.source)
	if err != nil {
		return -1, false, err
	}
	dfd, err := openRoot(s.target)
	if err != nil {
		unix.Close(sfd)
		return -1, false, err
	}
	closeBoth := func() { unix.Close(sfd); unix.Close(dfd) }
	for done := 0; ; {
		name, _, more := strings.Cut(rel[done:], "/")
		done += len(name)
		isDir, err := s.syncEntry(entry{src: sfd, dst: dfd, name: name, rel: rel[:done], kept: true})
		if err != nil || !isDir {
			closeBoth()
			return -1, err == nil, err
		}
		nsfd, err := unix.Openat(sfd, name, dirFlags|unix.O_NOFOLLOW, 0)
		if err != nil {
			closeBoth()
			return -1, isGone(err), opError("open", s.srcPath(rel[:done]), err)
		}
		ndfd, err := unix.Openat(dfd, name, dirFlags|unix.O_NOFOLLOW, 0)
		closeBoth()
		if err != nil {
			unix.Close(nsfd)
			return -1, false, opError("open", s.dstPath(rel[:done]), err)
		}
		sfd, dfd = nsfd, ndfd
		if !more {
			unix.Close(sfd)
			return dfd, false, nil
		}
		done++ // the slash
	}
}

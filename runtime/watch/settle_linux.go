//go:build linux && !watch_fsnotify

package watch

import (
	"errors"
	"time"

	"golang.org/x/sys/unix"

	"github.com/luasync/luasync/runtime/event"
)

// Retry backoff for directories that could not be listed or watched.
const (
	retryFirst = time.Second
	retryMax   = time.Minute
)

// settler holds the tree's open questions until the events at hand are
// handled: nodes whose place must be checked against the file system
// (checks), and directories whose subdirectories must be listed and
// watched again (rescans), some of them after a backoff.
type settler struct {
	checks  map[*dirNode]struct{}
	rescans map[*dirNode]*retry
	fresh   bool // checks were added since the last settle
}

type retry struct {
	at      time.Time // not before
	backoff time.Duration
	tree    bool // the whole subtree, not just the directory
	again   bool // asked for again while being listed
}

func newSettler() *settler {
	return &settler{checks: map[*dirNode]struct{}{}, rescans: map[*dirNode]*retry{}}
}

func (s *settler) check(n *dirNode) {
	s.checks[n] = struct{}{}
	s.fresh = true
}

// rescan lists n again at the next settle.
func (s *settler) rescan(n *dirNode) {
	if r := s.rescans[n]; r != nil {
		r.at, r.again = time.Time{}, true
		return
	}
	s.rescans[n] = &retry{}
}

// rescanTree lists n and every watched directory below it again.
func (s *settler) rescanTree(n *dirNode) {
	s.rescan(n)
	s.rescans[n].tree = true
}

// retryLater lists n again after a growing backoff.
func (s *settler) retryLater(n *dirNode) {
	r := s.rescans[n]
	if r == nil {
		r = &retry{}
		s.rescans[n] = r
	}
	r.backoff = min(max(2*r.backoff, retryFirst), retryMax)
	r.at, r.again = time.Now().Add(r.backoff), true
}

func (s *settler) adopt(rescans, checks []*dirNode) {
	for _, n := range rescans {
		s.retryLater(n)
	}
	for _, n := range checks {
		s.check(n)
	}
}

// nextRetry is when the settler next has work of its own (now, if some is
// due), for the read deadline.
func (s *settler) nextRetry() (time.Time, bool) {
	now := time.Now()
	next, ok := time.Time{}, false
	if len(s.checks) > 0 {
		next, ok = now, true
	}
	if len(s.checks) > 0 && !s.fresh {
		next = now.Add(retryFirst) // undecided last time: no hurry
	}
	for _, r := range s.rescans {
		at := r.at
		if at.Before(now) {
			at = now
		}
		if !ok || at.Before(next) {
			next, ok = at, true
		}
	}
	return next, ok
}

func (s *settler) idle() bool { return len(s.checks) == 0 && len(s.rescans) == 0 }

// settle answers the settler's questions, once the events at hand are
// handled (and not while a rename is half read, unless force: its second
// half would answer some of them).
func (l *loop) settle(force bool) error {
	l.st.adopt(l.w.later.take())
	if l.pending != nil && !force {
		return nil
	}
	// Each round may raise new questions (a listing finds a misplaced
	// directory); a few rounds settle what one change causes, and the
	// read deadline brings the loop back for the rest.
	for range 4 {
		if l.st.idle() {
			return nil
		}
		v := verifier{l: l, known: map[*dirNode]bool{}}
		v.checkAll()
		l.st.fresh = false
		if worked, err := l.rescanDue(&v); err != nil || !worked {
			return err
		}
	}
	return nil
}

// checkNow settles n's place at once where it can: a directory that left
// the tree stops reporting before its next events are read. What cannot
// be told yet is left to the settler.
func (l *loop) checkNow(n *dirNode) {
	v := verifier{l: l, known: map[*dirNode]bool{}}
	if !v.decide(n, l.tree()) {
		l.st.check(n)
	}
}

// verifier checks nodes against the file system, remembering answers for
// one settle.
type verifier struct {
	l     *loop
	known map[*dirNode]bool
}

// inPlace reports whether n's path leads to n's inode now. ok is false
// when that cannot be told (a permission problem on the way, say).
func (v *verifier) inPlace(n *dirNode) (in, ok bool) {
	if r, seen := v.known[n]; seen {
		return r, true
	}
	var st unix.Stat_t
	fd, err := v.l.w.openNode(n, &st)
	switch {
	case err == nil:
		unix.Close(fd)
	case !errors.Is(err, errStale):
		return false, false
	}
	v.known[n] = err == nil
	return err == nil, true
}

// checkAll settles every node whose place is in doubt. A node not where
// the tree has it is removed (its watches too: it may be outside the tree
// now) and its parent listed again, which watches whatever is there now;
// its new place, if in the tree, is watched when its arrival is read. But
// if the parent is not in place either, the parent is the question: it
// may be its rename that is still to be read. The root is always in
// place while watching goes on, so this ends.
func (v *verifier) checkAll() {
	st, t := v.l.st, v.l.tree()
	for progress := true; progress; {
		progress = false
		for n := range st.checks {
			decided := v.decide(n, t)
			if decided {
				delete(st.checks, n)
				progress = true
			}
		}
	}
}

// decide settles one doubtful node; false leaves it for later.
func (v *verifier) decide(n *dirNode, t *tree) bool {
	st := v.l.st
	if !t.attached(n) || n.parent == nil {
		return true
	}
	if in, ok := v.inPlace(n); !ok || in {
		return in || !ok
	}
	if !t.attached(n.parent) {
		v.l.w.drop(t, n, true)
		return true
	}
	if in, ok := v.inPlace(n.parent); !ok || !in {
		if ok {
			st.check(n.parent) // its rename may be what is still to come
		}
		return false
	}
	v.l.w.drop(t, n, true)
	st.rescan(n.parent)
	return true
}

// rescanDue lists the due directories again: each subdirectory not
// watched at its place is watched and reported (see ensureChild), and a
// watched child whose name is gone is checked.
func (l *loop) rescanDue(v *verifier) (worked bool, err error) {
	now := time.Now()
	for n, r := range l.st.rescans {
		if now.Before(r.at) {
			continue
		}
		if !l.tree().attached(n) {
			delete(l.st.rescans, n)
			continue
		}
		if in, ok := v.inPlace(n); ok && !in {
			l.st.check(n)
			r.at = now.Add(pairWait) // its own events, or the check, come first
			continue
		}
		worked = true
		r.again = false
		if err := l.relist(n, r.tree); err != nil {
			return worked, err
		}
		if !r.again {
			delete(l.st.rescans, n)
		}
	}
	return worked, nil
}

// relist lists directory n through its path (checked) and watches what it
// holds; with tree, every watched directory below it is listed too.
func (l *loop) relist(n *dirNode, tree bool) error {
	rel := n.path()
	var st unix.Stat_t
	fd, err := l.w.openNode(n, &st)
	if err != nil {
		if n.parent == nil {
			return l.cannot(n, rel, err)
		}
		return l.cannot(n.parent, rel, err)
	}
	defer unix.Close(fd)
	ents, err := readDirFD(fd, joinAbs(l.w.abs, rel), false)
	if err != nil {
		return l.cannot(n, rel, err)
	}
	dirs := map[string]bool{}
	for _, e := range ents {
		crel := event.Join(rel, e.name)
		if e.typ != unix.DT_DIR || l.skip(crel, true) {
			continue
		}
		dirs[e.name] = true
		if err := l.ensureChild(n, fd, e.name, crel, relisted); err != nil {
			return err
		}
	}
	for name, c := range n.children {
		switch {
		case !dirs[name]:
			l.st.check(c)
		case tree:
			l.st.rescanTree(c)
		}
	}
	return nil
}

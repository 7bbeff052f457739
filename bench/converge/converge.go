package converge

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/luasync/luasync/runtime/direct/treecmp"
)

// Target is what the target watch reports (package probe's Probe).
type Target interface {
	// Open is how many expected file versions have not arrived yet.
	Open() int
	// Activity is how many target events were seen, and the last one's time.
	Activity() (uint64, time.Time)
}

// Result is the outcome of Wait.
type Result struct {
	Converged bool
	At        time.Time // when the target last changed before it matched
	Events    uint64    // the target's event count then: unchanged since if still equal
	Diff      []string  // the last differences seen, when it did not converge
	Why       string    // why Wait gave up, when it did not converge
}

// Limits bound the wait.
type Limits struct {
	// Total is the longest Wait waits.
	Total time.Duration
	// Stall gives up earlier when the target has not changed for this
	// long while it still differs: a tool that stopped working (or whose
	// rsync considers the trees equal when they are not) will not finish.
	// It must exceed the longest pause a working tool takes between
	// changes (lsyncd's default delay is 15 s).
	Stall time.Duration
}

// Poll intervals: short at first, since most tools finish soon after the
// last write, and at most maxPoll so a full comparison of a large tree does
// not keep a core busy while the tool works.
var (
	firstPoll = 20 * time.Millisecond
	maxPoll   = time.Second
)

// Wait polls until dst matches src or a limit passes. A comparison counts
// only if no target event arrived while it ran, and only once every
// expected file has arrived, so the expensive check runs rarely.
func Wait(ctx context.Context, src, dst string, t Target, lim Limits) (Result, error) {
	start := time.Now()
	poll := firstPoll
	var last []string
	for {
		n0, at := t.Activity()
		if t.Open() == 0 {
			r, err := compare(src, dst)
			if err != nil {
				return Result{}, err
			}
			if n1, _ := t.Activity(); len(r) == 0 && n1 == n0 {
				return Result{Converged: true, At: at, Events: n0}, nil
			}
			last = r
		}
		if why := gaveUp(start, at, lim); why != "" {
			if open := t.Open(); open > 0 {
				last = append([]string{fmt.Sprintf("%d expected file versions never arrived", open)}, last...)
			}
			return Result{Diff: last, Why: why}, nil
		}
		select {
		case <-ctx.Done():
			return Result{Diff: last, Why: "interrupted"}, ctx.Err()
		case <-time.After(poll):
		}
		poll = min(poll*2, maxPoll)
	}
}

// gaveUp says why waiting longer is pointless, or "".
func gaveUp(start, lastChange time.Time, lim Limits) string {
	if time.Since(start) > lim.Total {
		return fmt.Sprintf("did not converge within %s", lim.Total)
	}
	quietFrom := lastChange
	if quietFrom.Before(start) {
		quietFrom = start
	}
	if lim.Stall > 0 && time.Since(quietFrom) > lim.Stall {
		return fmt.Sprintf("gave up: the target stayed unchanged for %s while it still differed", lim.Stall)
	}
	return ""
}

// compare returns the differences between the trees: nil when equal.
func compare(src, dst string) ([]string, error) {
	same, err := Same(src, dst)
	if err != nil {
		return nil, err
	}
	if !same {
		return []string{"metadata differs"}, nil
	}
	return treecmp.Diff(src, dst)
}

// Same reports whether two trees hold the same names, types, sizes,
// permission bits, file mtimes and symlink targets, without reading file
// content: the cheap test that gates treecmp.Diff. It never follows links.
func Same(a, b string) (bool, error) {
	same := true
	err := filepath.WalkDir(a, func(pa string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(a, pa)
		ok, err := sameEntry(pa, filepath.Join(b, rel), d)
		if err != nil {
			return err
		}
		if !ok {
			same = false
			return filepath.SkipAll
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("compare trees %s and %s: %w", a, b, err)
	}
	return same, nil
}

// sameEntry compares one entry; for directories, also the name count, so
// an extra entry in b is noticed.
func sameEntry(pa, pb string, d fs.DirEntry) (bool, error) {
	ia, err := d.Info()
	if err != nil {
		return false, err
	}
	ib, err := os.Lstat(pb)
	if err != nil {
		return false, nil
	}
	if ia.Mode() != ib.Mode() {
		return false, nil
	}
	switch {
	case ia.Mode().IsRegular():
		return ia.Size() == ib.Size() && ia.ModTime().Truncate(treecmp.MtimeResolution).Equal(ib.ModTime().Truncate(treecmp.MtimeResolution)), nil
	case ia.Mode()&fs.ModeSymlink != 0:
		la, err1 := os.Readlink(pa)
		lb, err2 := os.Readlink(pb)
		return err1 == nil && err2 == nil && la == lb, nil
	case ia.IsDir():
		na, err := os.ReadDir(pa)
		if err != nil {
			return false, err
		}
		nb, err := os.ReadDir(pb)
		return err == nil && len(na) == len(nb), nil
	}
	return true, nil
}

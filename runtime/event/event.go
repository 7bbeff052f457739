package event

import (
	"errors"
	"fmt"
	"strings"
)

// Op is what happened to a path.
type Op uint8

// The ops, weakest first. The order matters only for String and for tests;
// merging is defined by package queue.
const (
	// Attrib: mode, owner or times changed; content did not.
	Attrib Op = iota + 1
	// Modify: content changed (close-write or modify, per inotifyMode).
	Modify
	// Create: the path appeared, and the target is known not to hold it yet.
	// Only a Create may vanish when merged with a later Delete.
	Create
	// Delete: the path is gone; a directory goes with everything under it.
	Delete
	// Move: From was renamed to Path inside the source. A sink renames on the
	// target and then syncs Path as for Modify.
	Move
	// Rescan: make the target's subtree at Path identical to the source's,
	// deletes included (Path "" is the whole tree). The watcher emits it on a
	// queue overflow; the daemon emits it for the startup sync.
	Rescan
)

var opNames = [...]string{"", "Attrib", "Modify", "Create", "Delete", "Move", "Rescan"}

func (o Op) String() string {
	if int(o) < len(opNames) && o != 0 {
		return opNames[o]
	}
	return fmt.Sprintf("Op(%d)", uint8(o))
}

// ParseOp is the inverse of Op.String.
func ParseOp(s string) (Op, error) {
	for i, n := range opNames {
		if n != "" && n == s {
			return Op(i), nil
		}
	}
	return 0, fmt.Errorf("unknown event op %q", s)
}

// Event is one change under a sync's source.
type Event struct {
	Op    Op
	Path  string // relative to the source root; "" is the root
	From  string // Move only: the old path
	IsDir bool
	// Size is the file's size when the watcher knew it cheaply (0 if not);
	// the queue uses it for byte limits on batches, nothing else.
	Size int64
	// Open marks a Create of a regular file that was just made by open(2)
	// and is being written: a watcher that reports close-writes sets it, so
	// the queue waits for the Modify of the close (or MaxWait) instead of
	// shipping a half-written file and then shipping it again.
	Open bool
	// MayExist marks a Create whose path the target may already hold: a
	// rename from outside the tree (or from a directory not watched yet)
	// can replace a file, or an empty directory, that was there. The
	// queue then treats the Create as uncertain, so that moving it away
	// or deleting it still clears the old path on the target.
	MayExist bool
	// Over marks a directory Move whose Path the target may still hold
	// from before (a directory the rename replaces, not yet cleared): the
	// queue sets it on the batches it hands out, so that a sink that cannot
	// rename (an rsync daemon) sends Path whole, clearing what else is
	// there, rather than adding to it.
	Over bool
	// Scope, on a Rescan of the whole tree (Path ""), narrows it: see
	// Scope. nil on every other event.
	Scope *Scope
}

// Scope narrows a Rescan of the whole tree to part of it: a scheduled full
// sync with excludes of its own. What it skips (a path, and everything
// below it) is neither copied nor deleted by that Rescan; live events at
// those paths are still applied. A queue therefore keeps what is pending
// below a narrowed Rescan instead of letting the Rescan absorb it.
type Scope struct {
	// Patterns are the excludes as rsync filter rules ("- pattern"), for a
	// sink that hands the Rescan to rsync: rsync neither sends nor deletes
	// what they exclude.
	Patterns []string
	// Skip reports whether a path (relative to the source root) is left
	// alone, because it or a directory above it is excluded.
	Skip func(rel string, isDir bool) bool
}

// Skips reports whether s leaves rel alone; a nil Scope, or one without a
// Skip function (an action sync's full sync, narrowed only so that it
// absorbs no live event), leaves nothing alone.
func (s *Scope) Skips(rel string, isDir bool) bool {
	return s != nil && s.Skip != nil && s.Skip(rel, isDir)
}

func (e Event) String() string {
	kind := "file"
	if e.IsDir {
		kind = "dir"
	}
	switch {
	case e.Op == Move:
		return fmt.Sprintf("%s %s %q -> %q", e.Op, kind, e.From, e.Path)
	case e.Scope != nil:
		return fmt.Sprintf("%s %s %q (narrowed)", e.Op, kind, e.Path)
	}
	return fmt.Sprintf("%s %s %q", e.Op, kind, e.Path)
}

// Batch is what a sink applies in one go, in order: a path's parent
// directory's create comes before it, and a batch never holds two events with
// the same Path.
type Batch []Event

// Outcome is a sink's verdict on one event of a batch.
type Outcome uint8

const (
	// OK: applied; the event leaves the system.
	OK Outcome = iota
	// Retry: a transient failure; re-queue with backoff.
	Retry
	// Fail: will not succeed by retrying; write it to the fail log.
	Fail
	// Stop: the sink cannot go on (a config's exit code table said
	// "die"): the event goes to the fail log, and so does everything the
	// sink has pending or is given later; it takes no more batches.
	Stop
)

func (o Outcome) String() string {
	switch o {
	case OK:
		return "ok"
	case Retry:
		return "retry"
	case Fail:
		return "fail"
	case Stop:
		return "stop"
	}
	return fmt.Sprintf("Outcome(%d)", uint8(o))
}

// Result is a sink's report on one event; Err says why for Retry and Fail.
type Result struct {
	Event   Event
	Outcome Outcome
	Err     error
}

// Parent returns the parent of a relative path ("" for a top-level entry and
// for the root itself).
func Parent(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return ""
	}
	return p[:i]
}

// Join joins a relative directory and a name.
func Join(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

// Within reports whether p is dir or lies under it. Every path is within
// the root "".
func Within(p, dir string) bool {
	if dir == "" {
		return true
	}
	return p == dir || (len(p) > len(dir) && p[len(dir)] == '/' && p[:len(dir)] == dir)
}

// Rebase moves p from under oldDir to under newDir; p must be Within oldDir.
func Rebase(p, oldDir, newDir string) string {
	if p == oldDir {
		return newDir
	}
	rest := p[len(oldDir):]
	if oldDir == "" {
		rest = "/" + p
	}
	if newDir == "" {
		return rest[1:]
	}
	return newDir + rest
}

// Errors a sink reports for an event no watcher produces; retrying cannot
// help.
var (
	ErrBadPath   = errors.New("invalid relative path (empty, '.' or '..' component, or NUL byte)")
	ErrUnknownOp = errors.New("unknown event op")
)

// CheckPath refuses a relative path that could leave the root or that no
// watcher produces (ErrBadPath, naming the path); "" (the root) is valid.
func CheckPath(rel string) error {
	if rel == "" {
		return nil
	}
	if strings.IndexByte(rel, 0) >= 0 {
		return fmt.Errorf("event path %q: %w", rel, ErrBadPath)
	}
	for part := range strings.SplitSeq(rel, "/") {
		if part == "" || part == "." || part == ".." {
			return fmt.Errorf("event path %q: %w", rel, ErrBadPath)
		}
	}
	return nil
}

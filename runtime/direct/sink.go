//go:build unix

package direct

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/luasync/luasync/runtime/event"
	"github.com/luasync/luasync/runtime/nesting"
)

// Options tune a Sink.
type Options struct {
	// Keep reports whether a relative path is part of the mirror (false =
	// excluded: never copied; during a Rescan an excluded target entry is
	// left alone, as rsync --delete leaves excluded files). nil = keep
	// everything. It answers for the whole path: a path below a directory
	// it drops is dropped too (package daemon's keeper).
	Keep func(rel string, isDir bool) bool
	// Delete propagates deletes while running. When false, Delete events
	// are OK no-ops, the Rescan of a subtree never deletes extra target
	// entries, a Move copies the new path and leaves the old one, and a
	// non-empty target directory is never removed to make room for a file
	// (that event fails instead).
	Delete bool
	// FullDelete lets a full sync (the Rescan of the root) delete extra
	// target entries. lsyncd's delete = "startup" sets only FullDelete,
	// "running" only Delete.
	FullDelete bool
	// Logger receives debug notes (skipped special files, move fallbacks).
	// nil = slog.Default().
	Logger *slog.Logger
}

// Sink mirrors one source directory into one target directory. Apply is
// safe for concurrent use on batches that share no path.
type Sink struct {
	source, target string // absolute and clean, symlinks not resolved
	opts           Options
	log            *slog.Logger
	// asRoot: chown to the source's owner, as rsync -a does for root.
	asRoot bool
	// targetDev is the target root's device: same-device copies use
	// copy_file_range, others a pooled buffer.
	targetDev uint64
	// inflight holds the relative paths of temporary files being written, so
	// a concurrent rescan does not take them for stale ones and delete them.
	inflight sync.Map
}

// New returns a sink that mirrors source into target. source must be an
// existing directory; target is created with the source root's mode if
// missing. Neither may lie inside the other (or be the same), after symlinks
// are resolved: a mirror inside its source would copy itself forever, and a
// source inside its target would be deleted as an extra by the first rescan.
func New(source, target string, opts Options) (*Sink, error) {
	src, err := filepath.Abs(source)
	if err != nil {
		return nil, fmt.Errorf("direct sink: source %s: %w", source, err)
	}
	dst, err := filepath.Abs(target)
	if err != nil {
		return nil, fmt.Errorf("direct sink: target %s: %w", target, err)
	}
	fi, err := os.Stat(src)
	if err != nil {
		return nil, fmt.Errorf("direct sink: source: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("direct sink: source %s is not a directory", src)
	}
	if err := checkDisjoint(src, dst); err != nil {
		return nil, err
	}
	dev, err := makeTarget(dst, fi.Mode())
	if err != nil {
		return nil, err
	}
	s := &Sink{source: src, target: dst, opts: opts, log: opts.Logger, asRoot: os.Geteuid() == 0, targetDev: dev}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s, nil
}

// checkDisjoint refuses overlapping roots (package nesting).
func checkDisjoint(src, dst string) error {
	if err := nesting.Check(src, dst); err != nil {
		return fmt.Errorf("direct sink: %w", err)
	}
	return nil
}

// makeTarget creates the target root if missing and returns its device.
func makeTarget(dst string, mode os.FileMode) (uint64, error) {
	if err := os.MkdirAll(dst, mode.Perm()); err != nil {
		return 0, fmt.Errorf("direct sink: create target %s: %w", dst, err)
	}
	fi, err := os.Stat(dst)
	if err != nil {
		return 0, fmt.Errorf("direct sink: target: %w", err)
	}
	if !fi.IsDir() {
		return 0, fmt.Errorf("direct sink: target %s is not a directory", dst)
	}
	return deviceOf(fi), nil
}

// String names the sink in logs.
func (s *Sink) String() string { return "direct:" + s.target }

// Apply applies a batch in order and reports one Result per event, in the
// same order. Once ctx is done, the remaining events are reported as Retry.
func (s *Sink) Apply(ctx context.Context, b event.Batch) []event.Result {
	res := make([]event.Result, len(b))
	for i, ev := range b {
		err := ctx.Err()
		if err != nil {
			err = fmt.Errorf("apply %v: %w", ev, err)
		} else {
			err = s.apply(ctx, ev)
		}
		res[i] = event.Result{Event: ev, Outcome: classify(err), Err: err}
	}
	return res
}

func (s *Sink) apply(ctx context.Context, ev event.Event) error {
	if err := event.CheckPath(ev.Path); err != nil {
		return err
	}
	switch ev.Op {
	case event.Create, event.Modify, event.Attrib:
		return s.syncPath(ev.Path)
	case event.Delete:
		return s.deletePath(ev.Path)
	case event.Move:
		return s.move(ctx, ev)
	case event.Rescan:
		return s.rescan(ctx, ev.Path, ev.Scope)
	}
	return fmt.Errorf("apply %v: %w", ev, event.ErrUnknownOp)
}

// keep applies Options.Keep to one path.
func (s *Sink) keep(rel string, isDir bool) bool {
	return s.opts.Keep == nil || s.opts.Keep(rel, isDir)
}

// parentKept reports whether rel's parent directory (and so every
// directory above rel) belongs to the mirror.
func (s *Sink) parentKept(rel string) bool {
	p := event.Parent(rel)
	return p == "" || s.keep(p, true)
}

func (s *Sink) srcPath(rel string) string { return joinPath(s.source, rel) }
func (s *Sink) dstPath(rel string) string { return joinPath(s.target, rel) }

func base(rel string) string { return rel[strings.LastIndexByte(rel, '/')+1:] }

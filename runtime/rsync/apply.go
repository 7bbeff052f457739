package rsync

import (
	"context"
	"errors"
	"fmt"

	"github.com/luasync/luasync/runtime/event"
)

var (
	errRootGone = errors.New("refusing to delete the whole target; is the source unmounted?")
)

// plan is what one batch asks of the target: the renames to try, one file
// list for a single rsync run, the source root's own attributes, and the
// subtrees to rescan.
type plan struct {
	b       event.Batch
	res     []event.Result
	list    []string       // --files-from, in the order added
	owner   map[string]int // listed path -> the event that listed it
	moves   []int          // Move events to apply as renames
	rescans []rescanJob
	root    int    // a Create, Modify or Attrib of the root, or -1
	dest    string // the destination argument of every run
}

type rescanJob struct {
	path  string
	idx   int
	scope *event.Scope // a narrowed full sync (event.Scope); nil for others
}

func newPlan(b event.Batch) *plan {
	p := &plan{b: b, res: make([]event.Result, len(b)), owner: make(map[string]int, len(b)), root: -1}
	for i, ev := range b {
		p.res[i] = event.Result{Event: ev, Outcome: event.OK}
	}
	return p
}

// add lists a path for the batch's rsync run; the first event to list a
// path owns it, for attributing failures.
func (p *plan) add(rel string, idx int) {
	if _, ok := p.owner[rel]; ok {
		return
	}
	p.owner[rel] = idx
	p.list = append(p.list, rel)
}

// mark records an outcome for event idx; a worse outcome (Retry over OK,
// Fail over Retry) wins when several runs report on one event.
func (p *plan) mark(idx int, o event.Outcome, err error) {
	if o > p.res[idx].Outcome {
		p.res[idx].Outcome, p.res[idx].Err = o, err
	}
}

// markListed marks every event that listed a path in the batch's run.
func (p *plan) markListed(o event.Outcome, err error) {
	for _, idx := range p.owner {
		p.mark(idx, o, err)
	}
}

func (p *plan) markAll(o event.Outcome, err error) {
	for i := range p.res {
		p.mark(i, o, err)
	}
}

// Apply sends a batch and reports one Result per event, in order. Events
// are applied by state (see package doc): moves first, as renames where
// the target allows, then one rsync run for every other path of the
// batch, then the source root's attributes and each Rescan in a run of
// its own. Once ctx is done, what has not run is reported as Retry.
func (s *Sink) Apply(ctx context.Context, b event.Batch) []event.Result {
	p := newPlan(b)
	if err := ctx.Err(); err != nil {
		p.markAll(event.Retry, fmt.Errorf("apply batch: %w", err))
		return p.res
	}
	dest, ok := s.batchDest()
	if !ok {
		p.markAll(event.Retry, fmt.Errorf("apply batch to %s: %w", s, errTunnelDown))
		return p.res
	}
	p.dest = dest
	for i, ev := range b {
		if err := s.plan(ctx, p, i, ev); err != nil {
			p.mark(i, event.Fail, err)
		}
	}
	if !s.applyMoves(ctx, p) {
		return p.res
	}
	s.sendList(ctx, p)
	s.sendRoot(ctx, p)
	s.rescanAll(ctx, p)
	return p.res
}

// plan adds one event to the plan.
func (s *Sink) plan(ctx context.Context, p *plan, i int, ev event.Event) error {
	if err := event.CheckPath(ev.Path); err != nil {
		return fmt.Errorf("apply %v: %w", ev, err)
	}
	switch ev.Op {
	case event.Create, event.Modify, event.Attrib:
		if ev.Path == "" {
			p.root = i
		} else if ev.Op == event.Create && ev.IsDir {
			s.send(ctx, p, ev.Path, true, i)
		} else {
			p.add(ev.Path, i)
		}
	case event.Delete:
		if ev.Path == "" {
			return fmt.Errorf("apply %v: %w", ev, errRootGone)
		}
		if s.opts.Delete {
			p.add(ev.Path, i)
		}
	case event.Move:
		return s.planMove(ctx, p, i, ev)
	case event.Rescan:
		p.rescans = append(p.rescans, rescanJob{path: ev.Path, idx: i, scope: ev.Scope})
	default:
		return fmt.Errorf("apply %v: %w", ev, event.ErrUnknownOp)
	}
	return nil
}

// send lists a path and, for a directory, everything below it that the
// filter keeps: rsync --files-from does not descend into a listed
// directory (and -r would descend into every listed one).
func (s *Sink) send(ctx context.Context, p *plan, rel string, isDir bool, idx int) {
	p.add(rel, idx)
	if isDir {
		s.expand(ctx, rel, func(child string) { p.add(child, idx) })
	}
}

// keeps applies Options.Keep, if any.
func (s *Sink) keeps(rel string, isDir bool) bool {
	return s.opts.Keep == nil || s.opts.Keep(rel, isDir)
}

package sink

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/luasync/luasync/runtime/event"
)

// landing is an applied batch waiting for Settle, with the events whose
// paths the source no longer had once the sink was done.
type landing struct {
	batch    event.Batch
	vanished []event.Event
}

// lander releases applied batches once Settle says the changes that may
// have raced them are in the queue; one Settle covers every batch that
// finished before it began.
func (p *Pool) lander(ctx context.Context, stop <-chan struct{}) {
	for {
		select {
		case <-p.land:
		case <-stop:
			p.release(ctx) // what finished last
			return
		}
		p.release(ctx)
	}
}

// release settles, checks the vanished paths, and then releases every
// batch waiting to land.
func (p *Pool) release(ctx context.Context) {
	p.mu.Lock()
	batches := p.landing
	p.landing = nil
	p.mu.Unlock()
	if len(batches) == 0 {
		return
	}
	settled := true
	if err := p.opts.Settle(ctx); err != nil {
		// Only when the pool is stopping: nothing more will be routed.
		p.log.Debug("releasing batches without settling", "err", err)
		settled = false
	}
	p.mu.Lock()
	for _, l := range batches {
		if settled {
			p.explain(l.vanished)
		}
		p.q.Done(l.batch)
	}
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// vanished returns the applied events whose paths the source no longer
// has: the sink synced them by state (removing the target's copy), and
// something must say where the content went. Checked after the batch, so
// it also catches a path that went while the sink was at it.
func (p *Pool) vanished(results []event.Result) []event.Event {
	if p.opts.Settle == nil || p.opts.Source == "" {
		return nil
	}
	var out []event.Event
	for _, r := range results {
		ev := r.Event
		switch {
		case r.Outcome != event.OK, ev.Path == "":
		case ev.Op == event.Create, ev.Op == event.Modify, ev.Op == event.Attrib, ev.Op == event.Move:
			if _, err := os.Lstat(filepath.Join(p.opts.Source, ev.Path)); isGone(err) {
				out = append(out, ev)
			}
		}
	}
	return out
}

// explain makes sure each vanished path is accounted for by a newer change
// in the queue (a delete, a move away, a change of a directory above). One
// that is not means a change the watcher never reported: the nearest
// directory above it that the source still has is rescanned, which finds
// wherever the content went below it. Called with mu held, before Done.
func (p *Pool) explain(vanished []event.Event) {
	for _, ev := range vanished {
		if p.q.Explained(ev) {
			continue
		}
		dir := p.nearestDir(ev.Path)
		p.log.Warn("a path vanished from the source and no event says why; rescanning the nearest directory",
			"event", ev.String(), "rescan", dir)
		p.q.Push(event.Event{Op: event.Rescan, Path: dir, IsDir: true}, p.opts.Clock.Now())
	}
}

// nearestDir is the closest directory above rel that the source has.
func (p *Pool) nearestDir(rel string) string {
	for dir := event.Parent(rel); dir != ""; dir = event.Parent(dir) {
		if fi, err := os.Lstat(filepath.Join(p.opts.Source, dir)); err == nil && fi.IsDir() {
			return dir
		}
	}
	return ""
}

// isGone reports an lstat error that means "not there": the path or a
// directory above it is missing, or one above it is now a file.
func isGone(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

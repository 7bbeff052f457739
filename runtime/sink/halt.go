package sink

import "time"

// haltedFlush is how often a stopped sink moves what it was given to the
// fail log: the queue merges repeated changes of a path meanwhile, so a
// busy tree writes one line per path and second, not one per event.
var haltedFlush = time.Second

// halt stops the sink for good, because a result said event.Stop (the
// config's exit code table said "die" for how a run ended). Only this
// sink stops: other sinks, of this sync and of others, go on. From now on
// the pool takes no batch; what is pending, what fails in the batches
// still running, and every event added later go to the fail log, which
// gets the sink a full sync at the next start. Called with mu held.
func (p *Pool) halt(err error) {
	if p.halted != "" {
		return
	}
	p.halted = "stopped"
	if err != nil {
		p.halted = err.Error()
	}
	p.recoverAt = time.Time{}
	p.dropAt = p.opts.Clock.Now().Add(haltedFlush)
	p.log.Error("TARGET STOPPED: it takes no more batches until luasync restarts; what it has pending, and every later change, goes to the fail log (the next start runs a full sync of it); other targets go on",
		"err", err)
}

// dropReady is takeReady for a stopped sink: it moves what the queue
// holds to dropping, at most once per haltedFlush, and reports when to
// come back. At shutdown it leaves the queue to persistPending.
func (p *Pool) dropReady(now time.Time) (pending int, next time.Time, ok bool) {
	if p.stopping || p.q.Len() == 0 {
		return 0, time.Time{}, false
	}
	if now.Before(p.dropAt) {
		return p.q.Len(), p.dropAt, true
	}
	p.dropping = append(p.dropping, p.q.Drain()...)
	p.dropAt = now.Add(haltedFlush)
	return 0, time.Time{}, false
}

// writeDropped appends what dropReady took to the fail log.
func (p *Pool) writeDropped() {
	p.mu.Lock()
	evs, reason := p.dropping, p.halted
	p.dropping = nil
	p.mu.Unlock()
	if len(evs) > 0 {
		p.log.Warn("target stopped; writing its events to the fail log", "events", len(evs))
		p.writeEvents(evs, "target stopped: "+reason)
	}
}

// isHalted reports whether the sink stopped for good.
func (p *Pool) isHalted() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.halted != ""
}

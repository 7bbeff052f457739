package sink

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/luasync/luasync/runtime/event"
	"github.com/luasync/luasync/runtime/faillog"
)

// finish records a batch's results: OK events are done, Retry events go back
// to the queue with backoff (or to the fail log once the budget is spent or
// the pool is stopping), Fail events go to the fail log.
func (p *Pool) finish(j job, results []event.Result) {
	results = complete(j.batch, results)
	vanished := p.vanished(results)
	now := p.opts.Clock.Now()
	var (
		failed []faillog.Entry
		full   *event.Result // the full sync of the whole tree, once it has ended
	)
	p.mu.Lock()
	for i, r := range results {
		ended := true
		switch r.Outcome {
		case event.OK:
			p.applied.Add(1)
		case event.Retry:
			n := p.q.Attempts(r.Event.Path) + 1
			if p.stopping || p.halted != "" || n >= p.opts.Retry.Attempts {
				failed = append(failed, p.entry(r, n, now))
				if !p.stopping && p.halted == "" && p.recoverAt.IsZero() && !p.opts.Replays {
					p.recoverAt = now.Add(p.opts.Retry.Max)
				}
				break
			}
			ended = false
			p.retried.Add(1)
			wait := p.opts.Retry.Backoff(n)
			p.log.Warn("will retry", "event", r.Event.String(), "attempt", n, "in", wait, "err", r.Err)
			p.q.Requeue(r.Event, now.Add(wait))
		case event.Stop:
			failed = append(failed, p.entry(r, 1, now))
			p.halt(r.Err)
		default:
			e := p.entry(r, 1, now)
			e.Final = true // the sink says it will never work
			failed = append(failed, e)
		}
		if ended && r.Event.Op == event.Rescan && r.Event.Path == "" {
			full = &results[i]
		}
	}
	var told []FullSyncDone
	if full != nil {
		told, p.fullDone = p.fullDone, nil
	}
	if p.opts.Settle == nil {
		p.q.Done(j.batch)
	} else {
		p.landing = append(p.landing, landing{batch: j.batch, vanished: vanished})
		select {
		case p.land <- struct{}{}:
		default:
		}
	}
	p.mu.Unlock()
	p.logBatch(j, results, now)
	p.reportFullSyncs(results)
	if len(failed) > 0 {
		p.writeFailed(failed)
	}
	if full != nil && full.Outcome == event.OK && full.Event.Scope == nil && !p.opts.Replays {
		p.compact(j) // a narrowed one did not cover what it skipped
	}
	for _, done := range told {
		done(*full, j.started, now.Sub(j.started))
	}
	p.tellApplied(results)
}

// tellApplied hands Options.Applied what the batch applied.
func (p *Pool) tellApplied(results []event.Result) {
	if p.opts.Applied == nil {
		return
	}
	var ok []event.Event
	for _, r := range results {
		if r.Outcome == event.OK {
			ok = append(ok, r.Event)
		}
	}
	if len(ok) > 0 {
		p.opts.Applied(ok)
	}
}

// reportFullSyncs tells Options.FullSyncDone how full syncs of the whole
// tree ended.
func (p *Pool) reportFullSyncs(results []event.Result) {
	if p.opts.FullSyncDone == nil {
		return
	}
	for _, r := range results {
		if r.Event.Op == event.Rescan && r.Event.Path == "" {
			p.opts.FullSyncDone(r.Outcome, r.Err)
		}
	}
}

// logBatch says what a batch did: one line per batch at info (the first
// path as a sample), every event at debug.
func (p *Pool) logBatch(j job, results []event.Result, now time.Time) {
	ok := 0
	for _, r := range results {
		if r.Outcome == event.OK {
			ok++
		}
		p.log.Debug("applied", "event", r.Event.String(), "outcome", r.Outcome.String())
	}
	p.log.Info("batch applied", "events", len(results), "ok", ok, "first", results[0].Event.String(),
		"took", now.Sub(j.started).Round(time.Microsecond))
}

// complete guards against a sink that returned fewer results than events:
// anything unreported is retried, never silently dropped.
func complete(b event.Batch, results []event.Result) []event.Result {
	if len(results) == len(b) {
		return results
	}
	out := make([]event.Result, len(b))
	for i, ev := range b {
		if i < len(results) && results[i].Event.Path == ev.Path {
			out[i] = results[i]
			continue
		}
		out[i] = event.Result{Event: ev, Outcome: event.Retry, Err: errors.New("sink returned no result for this event")}
	}
	return out
}

func (p *Pool) entry(r event.Result, attempts int, now time.Time) faillog.Entry {
	reason := "failed"
	if r.Err != nil {
		reason = r.Err.Error()
	}
	p.log.Error("giving up; writing to the fail log", "event", r.Event.String(), "attempts", attempts, "err", r.Err)
	return faillog.Entry{Time: now, Sink: p.opts.ID, Event: r.Event, Attempts: attempts, Reason: reason}
}

// writeFailed appends entries to the fail log. If that fails the events go
// back to the queue (after the longest backoff) rather than being lost. At
// shutdown there is no later: they are logged as lost and kept in p.lost,
// which Run returns, so that luasync exits non-zero saying what they were.
func (p *Pool) writeFailed(entries []faillog.Entry) {
	err := p.opts.FailLog.Append(entries...)
	if err == nil {
		p.failed.Add(uint64(len(entries)))
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopping {
		sample := sampleEvents(entries)
		for _, e := range entries {
			p.log.Debug("not persisted", "event", e.Event.String())
		}
		p.log.Error("LOST at shutdown: could not write to the fail log; run a full sync (luasync sync) once it is writable",
			"events", len(entries), "sample", sample, "err", err)
		p.lost = append(p.lost, fmt.Errorf("sink %s: %s not persisted to the fail log (%s): %w",
			p.opts.Name, countEvents(len(entries)), sample, err))
		return
	}
	p.log.Error("fail log write failed; events stay queued", "events", len(entries), "err", err)
	notBefore := p.opts.Clock.Now().Add(p.opts.Retry.Max)
	for _, e := range entries {
		p.q.Requeue(e.Event, notBefore)
	}
}

func countEvents(n int) string {
	if n == 1 {
		return "1 event"
	}
	return strconv.Itoa(n) + " events"
}

// compact drops fail log entries that a successful full sync has covered.
func (p *Pool) compact(j job) {
	p.log.Info("full sync complete", "took", p.opts.Clock.Now().Sub(j.started).Round(time.Millisecond))
	n, err := p.opts.FailLog.Compact(p.opts.ID, j.started)
	if err != nil {
		p.log.Error("compact fail log", "err", err)
		return
	}
	if n > 0 {
		p.log.Info("full sync covered fail log entries; removed them", "entries", n)
	}
}

// sampleEvents names a few of the entries' events (op and quoted path: a
// path may hold any byte), and how many more there are.
func sampleEvents(entries []faillog.Entry) string {
	const show = 5
	var b strings.Builder
	for i, e := range entries[:min(len(entries), show)] {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(e.Event.String())
	}
	if len(entries) > show {
		fmt.Fprintf(&b, " and %d more", len(entries)-show)
	}
	return b.String()
}

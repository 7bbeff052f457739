package pluginhost

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/luasync/luasync/plugins/sdk"
	"github.com/luasync/luasync/runtime/event"
)

// Apply hands b to the plugin and returns one Result per event, in order.
// Several workers may call it at once. Events of an op the plugin does not
// accept are OK without a call. The rest go in calls of at most MaxBatch
// events, in the batch's order, one call after the other (so that a
// directory's create reaches the plugin before what is in it); calls of
// all concurrent Apply callers share MaxInFlight slots.
//
// A call whose process dies or hangs (past Timeout) is sent again to the
// restarted process, up to three times; then, or when ctx ends, or after
// DownWait without a process, what was not acknowledged is Retry, for the
// pool to requeue with backoff.
func (h *Host) Apply(ctx context.Context, b event.Batch) []event.Result {
	now := time.Now()
	out := make([]event.Result, len(b))
	send := make([]sdk.Event, 0, len(b))
	for i, ev := range b {
		out[i] = event.Result{Event: ev, Outcome: event.OK}
		op, ok := sdkOp(ev.Op)
		if !ok {
			out[i].Outcome, out[i].Err = event.Fail, fmt.Errorf("event %s: %w", ev, event.ErrUnknownOp)
			continue
		}
		if h.accepts != nil && !h.accepts[op] {
			continue
		}
		size := ev.Size
		if size <= 0 {
			size = -1
		}
		send = append(send, sdk.Event{ID: uint64(i), Op: op, Path: ev.Path, From: ev.From,
			IsDir: ev.IsDir, Time: now, Size: size})
	}
	h.markAgain(send)
	var down error // set once the plugin is out of reach: the rest is Retry at once
	for len(send) > 0 {
		n := h.chunk(send)
		call := send[:n]
		send = send[n:]
		if down != nil {
			retryAll(out, call, down)
			continue
		}
		res, reachable, err := h.deliver(ctx, call)
		if err != nil {
			retryAll(out, call, err)
			if !reachable {
				down = err
			}
			continue
		}
		settle(out, call, res)
	}
	return out
}

// chunk is how many of evs go in the next call: at most MaxBatch, and
// at most maxCallBytes of paths.
func (h *Host) chunk(evs []sdk.Event) int {
	bytes := 0
	for i, ev := range evs {
		bytes += len(ev.Path) + len(ev.From)
		if i == h.maxBatch || (i > 0 && bytes > maxCallBytes) {
			return i
		}
	}
	return len(evs)
}

// deliver makes one Handle call, and makes it again on a new process if
// the process died or hung under it. reachable is false when the error
// says that the plugin is down, or ctx over: the caller sends no more.
func (h *Host) deliver(ctx context.Context, evs []sdk.Event) (res []sdk.Result, reachable bool, err error) {
	for attempt := 0; ; attempt++ {
		select {
		case h.slots <- struct{}{}:
		case <-ctx.Done():
			return nil, false, fmt.Errorf("plugin call not made: %w", ctx.Err())
		}
		p, err := h.current(ctx)
		if err != nil {
			<-h.slots
			return nil, false, err
		}
		res, err := h.call(ctx, p, evs)
		<-h.slots
		if err == nil {
			h.worked(p)
			return res, true, nil
		}
		if ctx.Err() != nil {
			h.doubt(evs) // the process may have handled them before ctx ended
			return nil, false, fmt.Errorf("plugin call abandoned: %w", ctx.Err())
		}
		if !lost(p, err) {
			// The process is fine; this call failed (the plugin panicked
			// in it, say). The pool retries the events.
			return nil, true, err
		}
		h.broken(p, err)
		for i := range evs {
			evs[i].Again = true // the lost process may have handled them
		}
		if attempt == redeliveries {
			h.log.Warn("plugin process lost under the same events again; giving them back to retry later",
				"events", len(evs), "attempts", attempt+1, "err", err)
			h.doubt(evs)
			return nil, false, fmt.Errorf("plugin process lost %d times under this call: %w", attempt+1, err)
		}
		h.log.Debug("plugin process lost under a call; sending it again", "events", len(evs), "err", err)
	}
}

// errHung marks a call that outlived its timeout.
var errHung = errors.New("plugin hangs")

// call is one Handle call, bounded by the call timeout.
func (h *Host) call(ctx context.Context, p *proc, evs []sdk.Event) ([]sdk.Result, error) {
	limit := p.timeout(h.o)
	cctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	d, _ := cctx.Deadline()
	ours := true // Timeout, not ctx, sets the call's deadline
	if outer, ok := ctx.Deadline(); ok && !outer.After(d) {
		ours = false
	}
	res, err := p.rpc.Handle(cctx, evs)
	// The plugin's side may time the call out a moment before ours does
	// (it gets the deadline as a timeout), so its DeadlineExceeded counts.
	timedOut := errors.Is(cctx.Err(), context.DeadlineExceeded) || status.Code(err) == codes.DeadlineExceeded
	if err != nil && ours && ctx.Err() == nil && timedOut {
		return nil, fmt.Errorf("%w: no answer within %s (pid %d): %w", errHung, limit, p.pid, err)
	}
	return res, err
}

// lost reports whether err means that p is gone or hangs, rather than that
// one call failed.
func lost(p *proc, err error) bool {
	if errors.Is(err, errHung) || p.client.Exited() {
		return true
	}
	switch status.Code(err) {
	case codes.Unavailable, codes.Canceled:
		// Canceled, while our ctx is not: the connection was closed under
		// the call (another caller found the process dead and killed it).
		return true
	}
	return false
}

// settle sets the outcome of each sent event from the plugin's results,
// matched by ID; an event without one is Retry.
func settle(out []event.Result, sent []sdk.Event, res []sdk.Result) {
	got := make(map[uint64]sdk.Result, len(res))
	for _, r := range res {
		if _, dup := got[r.ID]; !dup {
			got[r.ID] = r
		}
	}
	for _, ev := range sent {
		r, ok := got[ev.ID]
		o := &out[ev.ID]
		switch {
		case !ok:
			o.Outcome, o.Err = event.Retry, errNoResult
		case r.Outcome == sdk.OK:
			o.Outcome, o.Err = event.OK, nil
		case r.Outcome == sdk.Fail:
			o.Outcome, o.Err = event.Fail, reason(r)
		case r.Outcome == sdk.Retry:
			o.Outcome, o.Err = event.Retry, reason(r)
		default:
			o.Outcome, o.Err = event.Retry, fmt.Errorf("plugin answered %s; retrying", r.Outcome)
		}
	}
}

var errNoResult = errors.New("plugin returned no result")

func reason(r sdk.Result) error {
	if r.Reason == "" {
		return fmt.Errorf("plugin said %s and gave no reason", r.Outcome)
	}
	return errors.New(r.Reason)
}

func retryAll(out []event.Result, sent []sdk.Event, err error) {
	for _, ev := range sent {
		out[ev.ID].Outcome, out[ev.ID].Err = event.Retry, err
	}
}

// sdkOp maps luasync's ops to the protocol's: a Rescan (a subtree that may
// have changed) is Full.
func sdkOp(op event.Op) (sdk.Op, bool) {
	switch op {
	case event.Create:
		return sdk.Create, true
	case event.Modify:
		return sdk.Modify, true
	case event.Attrib:
		return sdk.Attrib, true
	case event.Delete:
		return sdk.Delete, true
	case event.Move:
		return sdk.Move, true
	case event.Rescan:
		return sdk.Full, true
	}
	return 0, false
}

// timeout is how long a call to p may run: Options.Timeout if set, else
// what p's Configure said, but at least DefaultTimeout.
func (p *proc) timeout(o Options) time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return max(DefaultTimeout, p.callTimeout)
}

// doubt is an event's identity across batches, for Host.doubtful.
type doubt struct {
	op         sdk.Op
	path, from string
}

// doubtfulMax bounds Host.doubtful: past it the oldest doubts are not
// worth a lock-step with the queue (an event merged with a later one
// changes identity anyway), and the set is cleared.
const doubtfulMax = 100_000

// doubt records events that a process may have handled before it was
// lost, and that go back to the pool unanswered.
func (h *Host) doubt(evs []sdk.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.doubtful)+len(evs) > doubtfulMax {
		clear(h.doubtful)
	}
	for _, ev := range evs {
		h.doubtful[doubt{ev.Op, ev.Path, ev.From}] = true
	}
}

// markAgain sets Again on the events of evs that a lost process may have
// handled, and forgets them.
func (h *Host) markAgain(evs []sdk.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.doubtful) == 0 {
		return
	}
	for i, ev := range evs {
		k := doubt{ev.Op, ev.Path, ev.From}
		if h.doubtful[k] {
			evs[i].Again = true
			delete(h.doubtful, k)
		}
	}
}

package action

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/luasync/luasync/runtime/event"
)

// Lua is the side that decides (implemented by *luavm.VM): it takes a
// batch, is told when a process it asked for has ended, and answers each
// time with the processes to start and the batches it has settled.
type Lua interface {
	Deliver(ctx context.Context, index int, id uint64, b event.Batch) (event.Step, error)
	Collect(ctx context.Context, index int, agent int64, code int, res []event.Result) (event.Step, error)
	// Listen sets where steps nobody asked for go (spawns made by an
	// alarm); it is called once, before the Lua side runs.
	Listen(index int, f func(event.Step))
}

// Options configure a Sink.
type Options struct {
	Sync   int    // the sync's index in the config
	Name   string // for logs
	Where  string // "file:line" of the sync{}, for the error a "die" logs
	Lua    Lua
	Logger *slog.Logger // nil: slog.Default()
	// Dir is the working directory of spawned processes ("": luasync's).
	Dir string
	// OutputLimit caps the bytes of a process's output that are logged
	// (0: 64 KiB); the rest is counted, not kept.
	OutputLimit int
	// Mirror is the sync's own mirror, for a mirror kind with a custom
	// action that hands events back to it (default.rsync.action(inlet)).
	Mirror Mirror
}

// Mirror applies events, as every sink does (package sink's Sink).
type Mirror interface {
	Apply(ctx context.Context, b event.Batch) []event.Result
}

// ids numbers batches across every Sink, so that the Lua side, which keys
// them per sync, never sees one id twice.
var ids atomic.Uint64

// ErrStopped is the error of events given to a sync whose collect returned
// "die".
var ErrStopped = errors.New(`the sync's actions stopped after a collect returned "die"`)

// Sink runs one sync's actions; see the package doc.
type Sink struct {
	opts Options
	log  *slog.Logger

	// ctx outlives Apply's: a process that ends after its batch was given
	// up on (at shutdown) is still collected, so the Lua side stays whole.
	ctx    context.Context
	cancel context.CancelFunc
	procs  sync.WaitGroup

	mu      sync.Mutex
	waiting map[uint64]chan event.Settled
	batches map[uint64]event.Batch // while applied: for Spawn.Mirror
	died    bool
}

// New returns a Sink; Close it when done.
func New(opts Options) *Sink {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.OutputLimit <= 0 {
		opts.OutputLimit = 64 << 10
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Sink{opts: opts, log: opts.Logger, ctx: ctx, cancel: cancel, waiting: map[uint64]chan event.Settled{},
		batches: map[uint64]event.Batch{}}
	opts.Lua.Listen(opts.Sync, s.handle)
	return s
}

// Apply hands b to the actions and waits until they have settled every
// event of it (each process they started for it has been collected), or
// until ctx ends: then what is not settled is reported as Retry, which the
// pool persists at shutdown.
func (s *Sink) Apply(ctx context.Context, b event.Batch) []event.Result {
	id := ids.Add(1)
	settled := make(chan event.Settled, 1)
	s.mu.Lock()
	s.waiting[id] = settled
	s.batches[id] = b
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.waiting, id)
		delete(s.batches, id)
		s.mu.Unlock()
	}()
	step, err := s.opts.Lua.Deliver(ctx, s.opts.Sync, id, b)
	if err != nil {
		return all(b, event.Retry, fmt.Errorf("hand events to the actions of %s: %w", s.opts.Name, err))
	}
	s.handle(step)
	select {
	case st := <-settled:
		return results(b, st)
	case <-ctx.Done():
		return all(b, event.Retry, fmt.Errorf("actions of %s: %w", s.opts.Name, ctx.Err()))
	}
}

// handle starts the processes a step asks for and answers the batches it
// settled.
func (s *Sink) handle(step event.Step) {
	for _, sp := range step.Spawns {
		s.procs.Add(1)
		go func() {
			defer s.procs.Done()
			var code int
			var res []event.Result
			if sp.Mirror != nil {
				code, res = s.mirror(sp.Mirror)
			} else {
				code = s.run(sp)
			}
			next, err := s.opts.Lua.Collect(s.ctx, sp.Sync, sp.Agent, code, res)
			if err != nil {
				if s.ctx.Err() == nil {
					s.log.Error("action: collect", "argv", sp.Argv, "err", err)
				}
				return
			}
			s.handle(next)
		}()
	}
	for _, st := range step.Settled {
		if st.Died {
			s.stop(st)
		}
		s.mu.Lock()
		ch := s.waiting[st.Batch]
		s.mu.Unlock()
		if ch != nil {
			select {
			case ch <- st:
			default:
			}
		}
	}
}

// mirror has the sync's mirror apply the events refs name, and returns
// the exit code collect sees (0, or rsync's 23, "partial transfer", when
// some did not apply) and one result per ref.
func (s *Sink) mirror(refs []event.Ref) (int, []event.Result) {
	res := make([]event.Result, len(refs))
	var b event.Batch
	var at []int // res index of each event of b
	s.mu.Lock()
	for i, r := range refs {
		src, ok := s.batches[r.Batch]
		if r.Index < 0 || !ok || r.Index >= len(src) {
			continue // a blanket, or a batch given up on: nothing to apply
		}
		res[i].Event = src[r.Index]
		b = append(b, src[r.Index])
		at = append(at, i)
	}
	s.mu.Unlock()
	if len(b) == 0 {
		return 0, res
	}
	if s.opts.Mirror == nil {
		for _, i := range at {
			res[i].Outcome, res[i].Err = event.Fail, errors.New("no mirror to hand the event to")
		}
		return 23, res
	}
	code := 0
	for j, r := range s.opts.Mirror.Apply(s.ctx, b) {
		if j < len(at) {
			res[at[j]] = r
			if r.Outcome != event.OK {
				code = 23
			}
		}
	}
	return code, res
}

// stop logs, once, that the sync's actions have stopped.
func (s *Sink) stop(st event.Settled) {
	s.mu.Lock()
	first := !s.died
	s.died = true
	s.mu.Unlock()
	if !first {
		return
	}
	why := ""
	for _, w := range st.Why {
		why = w
		break
	}
	s.log.Error(`sync stopped: a collect returned "die"; its events go to the fail log from now on, other syncs go on`,
		"config", s.opts.Where, "why", why)
}

// Close ends the processes still running (SIGTERM, then SIGKILL after 5
// s) and waits for them. Their events were already reported as Retry.
func (s *Sink) Close() error {
	s.cancel()
	s.procs.Wait()
	if c, ok := s.opts.Mirror.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

func results(b event.Batch, st event.Settled) []event.Result {
	out := make([]event.Result, len(b))
	for i, ev := range b {
		out[i] = event.Result{Event: ev, Outcome: st.Outcomes[i]}
		if out[i].Outcome == event.OK {
			continue
		}
		why := st.Why[i]
		switch {
		case st.Died && out[i].Outcome == event.Fail:
			out[i].Err = fmt.Errorf("%w (%s)", ErrStopped, why)
		case why != "":
			out[i].Err = errors.New(why)
		default:
			out[i].Err = errors.New("the action asked to retry")
		}
	}
	return out
}

func all(b event.Batch, o event.Outcome, err error) []event.Result {
	out := make([]event.Result, len(b))
	for i, ev := range b {
		out[i] = event.Result{Event: ev, Outcome: o, Err: err}
	}
	return out
}

package action

import (
	"context"
	"errors"
	"fmt"
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
	Collect(ctx context.Context, index int, agent int64, code int) (event.Step, error)
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
}

// ErrStopped is the error of events given to a sync whose collect returned
// "die".
var ErrStopped = errors.New(`the sync's actions stopped after a collect returned "die"`)

// Sink runs one sync's actions; see the package doc.
type Sink struct {
	opts Options
	log  *slog.Logger
	ids  atomic.Uint64

	// ctx outlives Apply's: a process that ends after its batch was given
	// up on (at shutdown) is still collected, so the Lua side stays whole.
	ctx    context.Context
	cancel context.CancelFunc
	procs  sync.WaitGroup

	mu      sync.Mutex
	waiting map[uint64]chan event.Settled
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
	s := &Sink{opts: opts, log: opts.Logger, ctx: ctx, cancel: cancel, waiting: map[uint64]chan event.Settled{}}
	opts.Lua.Listen(opts.Sync, s.handle)
	return s
}

// Apply hands b to the actions and waits until they have settled every
// event of it (each process they started for it has been collected), or
// until ctx ends: then what is not settled is reported as Retry, which the
// pool persists at shutdown.
func (s *Sink) Apply(ctx context.Context, b event.Batch) []event.Result {
	id := s.ids.Add(1)
	settled := make(chan event.Settled, 1)
	s.mu.Lock()
	s.waiting[id] = settled
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.waiting, id)
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
			code := s.run(sp)
			next, err := s.opts.Lua.Collect(s.ctx, sp.Sync, sp.Agent, code)
			if err != nil {
				if s.ctx.Err() == nil {
					s.log.Error("action: collect", "argv0", sp.Argv[0], "err", err)
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

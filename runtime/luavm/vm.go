package luavm

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luasync/luasync/runtime/config"
	"github.com/luasync/luasync/runtime/event"
)

// DefaultFilterTimeout is VM.FilterTimeout unless changed.
const DefaultFilterTimeout = time.Second

var (
	// ErrClosed is returned by Filter and Run after Close.
	ErrClosed = errors.New("lua VM is closed")
	// ErrStopped is returned by Filter once Run has returned.
	ErrStopped = errors.New("lua VM is not running")
)

// VM is an evaluated config's Lua state and the functions it defined. After
// Load returns, the state is touched only by the goroutine in Run; Filter
// may be called from any number of goroutines and reaches it by request.
type VM struct {
	// FilterTimeout bounds one filter call; a filter still running then
	// is interrupted and its event kept. Set it before calling Run; zero
	// means DefaultFilterTimeout.
	FilterTimeout time.Duration
	// ActionTimeout bounds one call of an action, init or collect
	// function; zero means DefaultActionTimeout.
	ActionTimeout time.Duration

	state *lua.LState
	rt    *lua.LTable // actions.lua's entry points
	calls chan *call
	// terminate is what terminate(code) does once the config has loaded.
	terminate func(code int)
	excludes  *dynExcludes
	alarms    *alarmList               // alarm(when, fn, extra); only Run's goroutine (or Load) touches it
	listeners map[int]func(event.Step) // per action sync: steps nobody asked for (from alarms)
	meta      *lua.LTable              // of event objects
	syncs     []syncFuncs              // by config.Sync.Index
	reqs      chan *request
	quit      chan struct{} // closed by Close
	done      chan struct{} // closed when Run returns

	mu        sync.Mutex
	started   bool
	closed    bool
	closeOnce sync.Once
}

// syncFuncs is what the VM keeps of one sync.
type syncFuncs struct {
	name    string
	source  string         // with a trailing "/", for event tables
	filter  *lua.LFunction // nil: no filter function
	inlet   *lua.LTable    // nil: not an action sync
	actions []string       // what describeActions says
}

// call is a request to run fn on Run's goroutine.
type call struct {
	ctx  context.Context
	fn   func(L *lua.LState) error
	read func(L *lua.LState) // after fn succeeded, with its results on the stack
	done chan error
}

type request struct {
	ctx   context.Context
	sync  *syncFuncs
	ev    event.Event
	reply chan reply // buffered, so Run never waits on a caller
}

type reply struct {
	keep bool
	err  error
}

var requests = sync.Pool{New: func() any { return &request{reply: make(chan reply, 1)} }}

func newVM(L *lua.LState, cfg *config.Config, decls []*syncDecl, rt *lua.LTable, ex *dynExcludes, alarms *alarmList) *VM {
	vm := &VM{
		FilterTimeout: DefaultFilterTimeout,
		ActionTimeout: DefaultActionTimeout,
		state:         L,
		rt:            rt,
		excludes:      ex,
		alarms:        alarms,
		listeners:     map[int]func(event.Step){},
		meta:          eventMetatable(L),
		reqs:          make(chan *request),
		calls:         make(chan *call),
		quit:          make(chan struct{}),
		done:          make(chan struct{}),
	}
	for i, s := range cfg.Syncs {
		source := s.Source
		if !strings.HasSuffix(source, "/") {
			source += "/"
		}
		vm.syncs = append(vm.syncs, syncFuncs{name: s.Name, source: source, filter: decls[i].filter, inlet: decls[i].inlet, actions: describeActions(decls[i])})
	}
	return vm
}

// HasFilter reports whether sync #syncIndex has a filter function.
func (vm *VM) HasFilter(syncIndex int) bool {
	return syncIndex >= 0 && syncIndex < len(vm.syncs) && vm.syncs[syncIndex].filter != nil
}

// Run serves filter calls on the calling goroutine, which owns the Lua state
// from then on, until ctx is done or Close is called; both return nil. It
// may be called once.
func (vm *VM) Run(ctx context.Context) error {
	vm.mu.Lock()
	if vm.closed || vm.started {
		vm.mu.Unlock()
		if vm.closed {
			return ErrClosed
		}
		return errors.New("lua VM: Run called twice")
	}
	vm.started = true
	timeout := vm.FilterTimeout
	if timeout <= 0 {
		timeout = DefaultFilterTimeout
	}
	vm.mu.Unlock()
	defer close(vm.done)
	alarms := newAlarmTimer()
	defer alarms.stop()
	for {
		alarms.reset(vm.alarms.next())
		select {
		case <-ctx.Done():
			return nil
		case <-vm.quit:
			return nil
		case <-alarms.c():
			vm.ringAlarms(ctx)
		case req := <-vm.reqs:
			keep, err := vm.callFilter(req, timeout)
			req.reply <- reply{keep, err}
		case c := <-vm.calls:
			c.done <- vm.runCall(c)
		}
	}
}

// Filter asks sync #syncIndex's filter function about ev: true keeps it. A
// sync without a filter function keeps everything, without a round trip.
// On an error (the function failed, ran past FilterTimeout, or ctx ended)
// Filter returns true along with it, so a caller that logs and carries on
// keeps the event.
//
// A filter busy in a Go library call (os.execute, io.read) cannot be
// interrupted until that call returns; ctx still bounds how long Filter
// waits.
func (vm *VM) Filter(ctx context.Context, syncIndex int, ev event.Event) (bool, error) {
	if syncIndex < 0 || syncIndex >= len(vm.syncs) {
		return true, fmt.Errorf("lua filter: no sync #%d (the config has %d)", syncIndex, len(vm.syncs))
	}
	s := &vm.syncs[syncIndex]
	if s.filter == nil {
		return true, nil
	}
	req := requests.Get().(*request)
	req.ctx, req.sync, req.ev = ctx, s, ev
	select {
	case vm.reqs <- req:
	case <-ctx.Done():
		return true, ctx.Err()
	case <-vm.quit:
		return true, ErrClosed
	case <-vm.done:
		return true, ErrStopped
	}
	select {
	case r := <-req.reply:
		req.ctx, req.sync = nil, nil
		requests.Put(req)
		return r.keep, r.err
	case <-ctx.Done():
		// The reply still comes, into the buffer of a request that is no
		// longer pooled.
		return true, ctx.Err()
	}
}

// callFilter runs on Run's goroutine.
func (vm *VM) callFilter(req *request, timeout time.Duration) (bool, error) {
	if err := req.ctx.Err(); err != nil {
		return true, err
	}
	ctx, cancel := context.WithTimeout(req.ctx, timeout)
	defer cancel()
	L := vm.state
	L.SetContext(ctx)
	defer L.RemoveContext()
	L.Push(req.sync.filter)
	L.Push(newEvent(L, vm.meta, req.sync.source, req.ev))
	if err := L.PCall(1, 1, nil); err != nil {
		return true, filterError(req, ctx, timeout, err)
	}
	keep := lua.LVAsBool(L.Get(-1))
	L.Pop(1)
	return keep, nil
}

func filterError(req *request, ctx context.Context, timeout time.Duration, err error) error {
	msg := err.Error()
	var ae *lua.ApiError
	if errors.As(err, &ae) {
		msg = luaMessage(ae)
	}
	switch {
	case req.ctx.Err() != nil:
		return fmt.Errorf("sync %q: filter function: %w", req.sync.name, req.ctx.Err())
	case ctx.Err() != nil:
		where := strings.TrimSuffix(msg, " "+ctx.Err().Error())
		return fmt.Errorf("sync %q: filter function still running after %v, stopped at %s: %w",
			req.sync.name, timeout, strings.TrimSuffix(where, ":"), ctx.Err())
	}
	return fmt.Errorf("sync %q: filter function: %s", req.sync.name, msg)
}

// call runs fn on Run's goroutine and waits for it.
func (vm *VM) call(ctx context.Context, fn func(L *lua.LState) error, read func(L *lua.LState)) error {
	c := &call{ctx: ctx, fn: fn, read: read, done: make(chan error, 1)}
	select {
	case vm.calls <- c:
	case <-ctx.Done():
		return ctx.Err()
	case <-vm.quit:
		return ErrClosed
	case <-vm.done:
		return ErrStopped
	}
	return <-c.done
}

func (vm *VM) runCall(c *call) error {
	if err := c.ctx.Err(); err != nil {
		return err
	}
	L := vm.state
	top := L.GetTop()
	defer L.SetTop(top)
	if err := c.fn(L); err != nil {
		return err
	}
	if c.read != nil {
		c.read(L)
	}
	return nil
}

// Close stops Run, waits for it to return, and frees the Lua state. It is
// safe to call more than once and from any goroutine.
func (vm *VM) Close() {
	vm.closeOnce.Do(func() {
		vm.mu.Lock()
		vm.closed = true
		started := vm.started
		vm.mu.Unlock()
		close(vm.quit)
		if started {
			<-vm.done
		}
		vm.state.Close()
	})
}

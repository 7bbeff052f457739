package luavm

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luasync/luasync/runtime/event"
)

// actionsLua is the Lua half of lsyncd-style actions: the event, event
// list and inlet objects, spawn, and default's action, init and collect.
//
//go:embed actions.lua
var actionsLua string

// DefaultActionTimeout is VM.ActionTimeout unless changed.
const DefaultActionTimeout = 5 * time.Second

// installActions runs actions.lua with its Go primitives and keeps the
// entry points it returns.
func (ld *loader) installActions(L *lua.LState, def *lua.LTable) {
	prims := L.NewTable()
	prims.RawSetString("default", def)
	prims.RawSetString("warn", L.NewFunction(func(L *lua.LState) int {
		slog.Default().Warn("action: "+L.CheckString(2), "sync", ld.syncName(L.CheckInt(1)))
		return 0
	}))
	prims.RawSetString("exclude", L.NewFunction(func(L *lua.LState) int {
		ld.excludes.change(L.CheckInt(1), L.CheckString(2) == "add", L.CheckString(3))
		return 0
	}))
	prims.RawSetString("excludes", L.NewFunction(func(L *lua.LState) int {
		t := L.NewTable()
		for _, p := range ld.excludes.list(L.CheckInt(1)) {
			if L.ToBool(2) {
				p = "- " + p
			}
			t.Append(lua.LString(p))
		}
		L.Push(t)
		return 1
	}))
	fn, err := L.Load(strings.NewReader(actionsLua), "=luasync-actions")
	if err != nil {
		panic(fmt.Sprintf("luavm: actions.lua: %v", err)) // a build defect, caught by every test
	}
	L.Push(fn)
	L.Push(prims)
	L.Call(1, 1)
	ld.rt = L.Get(-1).(*lua.LTable)
	L.Pop(1)
	L.SetGlobal("now", L.NewFunction(luaNow))
	L.SetGlobal("alarm", L.NewFunction(ld.alarmCall))
	L.SetGlobal("readdir", L.NewFunction(luaReaddir))
	L.SetGlobal("terminate", L.NewFunction(func(L *lua.LState) int {
		code := L.OptInt(1, 0)
		if ld.done && ld.vm != nil && ld.vm.terminate != nil {
			ld.vm.terminate(code)
			return 0
		}
		L.RaiseError("terminate(%d) called while the config loads", code)
		return 0
	}))
}

func (ld *loader) syncName(index int) string {
	if ld.vm != nil && index >= 0 && index < len(ld.vm.syncs) {
		return ld.vm.syncs[index].name
	}
	return fmt.Sprintf("sync#%d", index+1)
}

// luaReaddir is lsyncd's readdir(path): a table of the directory's entry
// names, each mapped to true for a directory; nil and the error when it
// cannot be read.
func luaReaddir(L *lua.LState) int {
	path := L.CheckString(1)
	entries, err := os.ReadDir(path)
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(fmt.Sprintf("readdir %s: %v", path, err)))
		return 2
	}
	t := L.CreateTable(0, len(entries))
	for _, e := range entries {
		t.RawSetString(e.Name(), lua.LBool(e.IsDir()))
	}
	L.Push(t)
	return 1
}

// luaNow is lsyncd's now(): the current time in seconds, with fractions,
// so now() + 5 is five seconds from now.
func luaNow(L *lua.LState) int {
	L.Push(lua.LNumber(float64(time.Now().UnixNano()) / 1e9))
	return 1
}

// ActionSync reports whether sync #index is run by Lua actions (lsyncd's
// layers 1 to 3) rather than by a mirror kind.
func (vm *VM) ActionSync(index int) bool {
	return index >= 0 && index < len(vm.syncs) && vm.syncs[index].inlet != nil
}

// Actions describes sync #index's actions for luasync check, one per
// handler or function.
func (vm *VM) Actions(index int) []string {
	if !vm.ActionSync(index) {
		return nil
	}
	return vm.syncs[index].actions
}

// SetTerminate sets what terminate(code) in an action does; without it,
// terminate raises an error in the calling action.
func (vm *VM) SetTerminate(f func(code int)) { vm.terminate = f }

// Deliver hands a batch of sync #index's events to its actions, as batch
// id, and lets the actions run on whatever they may now take. The returned
// step lists the processes to start and the batches the actions settled.
func (vm *VM) Deliver(ctx context.Context, index int, id uint64, b event.Batch) (event.Step, error) {
	return vm.actionCall(ctx, index, func(L *lua.LState) error {
		src := vm.syncs[index].source
		evs := L.CreateTable(len(b), 0)
		for _, ev := range b {
			evs.Append(delayTable(L, src, ev))
		}
		return L.CallByParam(lua.P{Fn: vm.rt.RawGetString("deliver"), Protect: true},
			lua.LNumber(index), lua.LNumber(id), evs)
	})
}

// Collect reports that the process started for agent exited with code,
// calls the sync's collect function, and lets the actions run on. For an
// agent its mirror applied (Spawn.Mirror), res are the mirror's results,
// in the order of Spawn.Mirror; nil otherwise.
func (vm *VM) Collect(ctx context.Context, index int, agent int64, code int, res []event.Result) (event.Step, error) {
	return vm.actionCall(ctx, index, func(L *lua.LState) error {
		outcomes := lua.LValue(lua.LNil)
		if res != nil {
			t, why := L.CreateTable(len(res), 1), L.CreateTable(len(res), 0)
			for i, r := range res {
				o := "ok"
				switch r.Outcome {
				case event.Retry:
					o = "retry"
				case event.Fail:
					o = "fail"
				}
				t.RawSetInt(i+1, lua.LString(o))
				if r.Err != nil {
					why.RawSetInt(i+1, lua.LString(r.Err.Error()))
				}
			}
			t.RawSetString("why", why)
			outcomes = t
		}
		return L.CallByParam(lua.P{Fn: vm.rt.RawGetString("collect"), NRet: 1, Protect: true},
			lua.LNumber(agent), lua.LNumber(code), outcomes)
	})
}

// Stop settles every event sync #index still has waiting with outcome
// ("retry" or "die"), for a shutdown.
func (vm *VM) Stop(ctx context.Context, index int, outcome, why string) (event.Step, error) {
	return vm.actionCall(ctx, index, func(L *lua.LState) error {
		return L.CallByParam(lua.P{Fn: vm.rt.RawGetString("stop"), Protect: true},
			lua.LNumber(index), lua.LString(outcome), lua.LString(why))
	})
}

// delayTable is what rt.deliver takes for one event: lsyncd's etype and
// paths (relative, with a trailing "/" for a directory). A root Rescan is
// lsyncd's Init (the startup sync); any other Rescan is a Full of that
// directory.
func delayTable(L *lua.LState, source string, ev event.Event) *lua.LTable {
	t := L.CreateTable(0, 3)
	spell := func(p string) lua.LString {
		if ev.IsDir && p != "" {
			p += "/"
		}
		return lua.LString(p)
	}
	etype := ev.Op.String()
	switch {
	case ev.Op == event.Rescan && ev.Path == "":
		etype = "Init"
	case ev.Op == event.Rescan:
		etype = "Full"
	}
	t.RawSetString("etype", lua.LString(etype))
	if ev.Op == event.Move {
		t.RawSetString("path", spell(ev.From))
		t.RawSetString("path2", spell(ev.Path))
	} else {
		t.RawSetString("path", spell(ev.Path))
	}
	return t
}

// actionCall runs do on the VM's goroutine, then hands each waiting event
// of the sync to its action in turn, each call under ActionTimeout, and
// collects what the calls asked for. An action that fails or runs too long
// is logged with its file and line; the event it was given is retried.
func (vm *VM) actionCall(ctx context.Context, index int, do func(L *lua.LState) error) (event.Step, error) {
	if !vm.ActionSync(index) {
		return event.Step{}, fmt.Errorf("lua actions: sync #%d has none", index)
	}
	var step event.Step
	err := vm.call(ctx, func(L *lua.LState) error {
		if err := vm.timed(ctx, func() error { return do(L) }); err != nil {
			vm.actionFailed(L, index, err)
		}
		vm.invokeAll(ctx, L, index)
		var err error
		step, err = vm.take(L)
		return err
	}, nil)
	return step, err
}

// invokeAll hands the sync's waiting events to its action, one call at a
// time, each under ActionTimeout, while it takes them.
func (vm *VM) invokeAll(ctx context.Context, L *lua.LState, index int) {
	for more := true; more; {
		err := vm.timed(ctx, func() error {
			err := L.CallByParam(lua.P{Fn: vm.rt.RawGetString("invokeOne"), NRet: 1, Protect: true}, lua.LNumber(index))
			more = err == nil && lua.LVAsBool(L.Get(-1))
			L.SetTop(0)
			return err
		})
		if err != nil {
			vm.actionFailed(L, index, err)
			more = ctx.Err() == nil
		}
	}
}

// take collects what the calls since the last take asked for.
func (vm *VM) take(L *lua.LState) (event.Step, error) {
	if err := L.CallByParam(lua.P{Fn: vm.rt.RawGetString("take"), NRet: 1, Protect: true}); err != nil {
		return event.Step{}, fmt.Errorf("lua actions: take: %w", err)
	}
	step := readStep(L.Get(-1))
	L.SetTop(0)
	return step, nil
}

// Listen sets where sync #index's spawns go when no call asked for them
// (an alarm's).
func (vm *VM) Listen(index int, f func(event.Step)) {
	vm.mu.Lock()
	vm.listeners[index] = f
	vm.mu.Unlock()
}

func (vm *VM) listener(index int) func(event.Step) {
	vm.mu.Lock()
	defer vm.mu.Unlock()
	return vm.listeners[index]
}

// timed runs f with the state's context set to a child of ctx that ends
// after ActionTimeout.
func (vm *VM) timed(ctx context.Context, f func() error) error {
	timeout := vm.ActionTimeout
	if timeout <= 0 {
		timeout = DefaultActionTimeout
	}
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	vm.state.SetContext(tctx)
	defer vm.state.RemoveContext()
	err := f()
	if err != nil && tctx.Err() != nil && ctx.Err() == nil {
		where := strings.TrimSuffix(luaErrorText(err), " "+tctx.Err().Error())
		return fmt.Errorf("still running after %v, interrupted at %s", timeout, strings.TrimSuffix(where, ":"))
	}
	return err
}

// actionFailed logs a failed action call and retries the event it had.
func (vm *VM) actionFailed(L *lua.LState, index int, err error) {
	msg := luaErrorText(err)
	L.SetTop(0)
	slog.Default().Error("action failed; its event will be retried", "sync", vm.syncs[index].name, "err", msg)
	if perr := L.CallByParam(lua.P{Fn: vm.rt.RawGetString("abort"), Protect: true},
		lua.LNumber(index), lua.LString(msg)); perr != nil {
		slog.Default().Error("action: abort", "sync", vm.syncs[index].name, "err", perr)
	}
	L.SetTop(0)
}

// luaErrorText is an error from a Lua call as "file:line: message".
func luaErrorText(err error) string {
	var ae *lua.ApiError
	if errors.As(err, &ae) {
		return luaMessage(ae)
	}
	return err.Error()
}

// readStep converts rt.take's table.
func readStep(v lua.LValue) event.Step {
	var step event.Step
	t, ok := v.(*lua.LTable)
	if !ok {
		return step
	}
	if spawns, ok := t.RawGetString("spawns").(*lua.LTable); ok {
		spawns.ForEach(func(_, v lua.LValue) {
			s := v.(*lua.LTable)
			sp := event.Spawn{Agent: int64(lua.LVAsNumber(s.RawGetString("agent"))), Sync: int(lua.LVAsNumber(s.RawGetString("sync")))}
			if argv, ok := s.RawGetString("argv").(*lua.LTable); ok {
				argv.ForEach(func(_, a lua.LValue) { sp.Argv = append(sp.Argv, lua.LVAsString(a)) })
			}
			if m, ok := s.RawGetString("mirror").(*lua.LTable); ok {
				sp.Mirror = []event.Ref{}
				m.ForEach(func(_, v lua.LValue) {
					r := v.(*lua.LTable)
					sp.Mirror = append(sp.Mirror, event.Ref{Batch: uint64(lua.LVAsNumber(r.RawGetString("batch"))),
						Index: int(lua.LVAsNumber(r.RawGetString("index"))) - 1})
				})
			}
			if to, ok := s.RawGetString("timeout").(lua.LNumber); ok {
				sp.Timeout = time.Duration(float64(to) * float64(time.Second))
			}
			if in, ok := s.RawGetString("stdin").(lua.LString); ok {
				sp.Stdin, sp.HasStdin = string(in), true
			}
			step.Spawns = append(step.Spawns, sp)
		})
	}
	if done, ok := t.RawGetString("done").(*lua.LTable); ok {
		done.ForEach(func(_, v lua.LValue) {
			d := v.(*lua.LTable)
			f := event.Settled{Batch: uint64(lua.LVAsNumber(d.RawGetString("batch"))), Outcomes: map[int]event.Outcome{}, Why: map[int]string{}}
			if o, ok := d.RawGetString("outcome").(*lua.LTable); ok {
				o.ForEach(func(k, v lua.LValue) {
					i := int(lua.LVAsNumber(k)) - 1
					switch lua.LVAsString(v) {
					case "retry":
						f.Outcomes[i] = event.Retry
					case "fail":
						f.Outcomes[i] = event.Fail
					case "die":
						f.Outcomes[i] = event.Fail
						f.Died = true
					default:
						f.Outcomes[i] = event.OK
					}
				})
			}
			if w, ok := d.RawGetString("why").(*lua.LTable); ok {
				w.ForEach(func(k, v lua.LValue) { f.Why[int(lua.LVAsNumber(k))-1] = lua.LVAsString(v) })
			}
			step.Settled = append(step.Settled, f)
		})
	}
	return step
}

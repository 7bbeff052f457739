package luavm

import (
	"context"
	"log/slog"
	"math"
	"slices"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luasync/luasync/runtime/event"
)

// alarm is one alarm(when, fn, extra) of lsyncd's API: fn(when, extra) is
// called at when (seconds since the epoch, as now() returns).
type alarm struct {
	at    time.Time
	when  lua.LNumber
	fn    *lua.LFunction
	extra lua.LValue
}

// alarmList holds the pending alarms, soonest first.
type alarmList struct{ pending []alarm }

func (l *alarmList) add(a alarm) {
	i, _ := slices.BinarySearchFunc(l.pending, a.at, func(x alarm, t time.Time) int { return x.at.Compare(t) })
	l.pending = slices.Insert(l.pending, i, a)
}

// next is when the soonest alarm is due (zero: none).
func (l *alarmList) next() time.Time {
	if len(l.pending) == 0 {
		return time.Time{}
	}
	return l.pending[0].at
}

// due takes the alarms due at now.
func (l *alarmList) due(now time.Time) []alarm {
	n := 0
	for n < len(l.pending) && !l.pending[n].at.After(now) {
		n++
	}
	out := slices.Clone(l.pending[:n])
	l.pending = slices.Delete(l.pending, 0, n)
	return out
}

// alarmCall is the global alarm(when, fn, extra).
func (ld *loader) alarmCall(L *lua.LState) int {
	when := L.CheckNumber(1)
	fn := L.CheckFunction(2)
	sec, frac := math.Modf(float64(when))
	ld.alarms.add(alarm{at: time.Unix(int64(sec), int64(frac*1e9)), when: when, fn: fn, extra: L.Get(3)})
	return 0
}

// alarmTimer is a reusable timer for the soonest alarm.
type alarmTimer struct {
	t   *time.Timer
	set time.Time
}

func newAlarmTimer() *alarmTimer {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &alarmTimer{t: t}
}

func (a *alarmTimer) reset(at time.Time) {
	if at.Equal(a.set) {
		return
	}
	a.t.Stop()
	a.set = at
	if !at.IsZero() {
		a.t.Reset(time.Until(at))
	}
}

// c is the timer's channel; nil (never ready) when no alarm is set.
func (a *alarmTimer) c() <-chan time.Time {
	if a.set.IsZero() {
		return nil
	}
	return a.t.C
}

func (a *alarmTimer) stop() { a.t.Stop() }

// ringAlarms calls the alarms that are due, then lets every action sync
// take what they created (blanket events and their spawns) and hands the
// steps to the syncs' listeners. Runs on Run's goroutine.
func (vm *VM) ringAlarms(ctx context.Context) {
	L := vm.state
	for _, a := range vm.alarms.due(time.Now()) {
		err := vm.timed(ctx, func() error {
			return L.CallByParam(lua.P{Fn: a.fn, Protect: true}, a.when, a.extra)
		})
		L.SetTop(0)
		if err != nil {
			slog.Default().Error("alarm function failed", "err", luaErrorText(err))
		}
	}
	for i := range vm.syncs {
		if !vm.ActionSync(i) {
			continue
		}
		vm.invokeAll(ctx, L, i)
		step, err := vm.take(L)
		if err != nil {
			slog.Default().Error("actions after an alarm", "sync", vm.syncs[i].name, "err", err)
			continue
		}
		vm.dispatch(step)
	}
}

// dispatch hands spawns nobody waits for to the listeners of their syncs.
func (vm *VM) dispatch(step event.Step) {
	by := map[int]*event.Step{}
	for _, sp := range step.Spawns {
		if by[sp.Sync] == nil {
			by[sp.Sync] = &event.Step{}
		}
		by[sp.Sync].Spawns = append(by[sp.Sync].Spawns, sp)
	}
	for i, st := range by {
		if f := vm.listener(i); f != nil {
			f(*st)
		} else {
			slog.Default().Warn("an alarm spawned processes for a sync that is not running; they are not started",
				"sync", vm.syncs[i].name, "processes", len(st.Spawns))
		}
	}
}

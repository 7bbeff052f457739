package daemon

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/luasync/luasync/runtime/event"
	"github.com/luasync/luasync/runtime/filter"
	"github.com/luasync/luasync/runtime/luavm"
)

// maxLuaDirs bounds the directory verdicts a keeper remembers.
const maxLuaDirs = 4096

// keeper is a sync's one filtering decision: a path belongs to the mirror
// when neither it nor any directory above it is dropped by the static
// filter (junk, excludes, rules, regexes: package filter) or rejected by
// the sync's Lua filter function. The watcher asks the static part (a
// filter function is not asked which directories to watch); the route to
// the sinks, both sinks and every full sync ask Keeps or KeepsEvent.
//
// The Lua filter sees a directory above a path as the Create of that
// directory, and its verdict on a directory is remembered (up to 4096 of
// them): a filter function is expected to decide by the path, not by the
// moment.
type keeper struct {
	f     *filter.Filter
	vm    *luavm.VM
	index int  // the sync's index, for the VM
	lua   bool // the sync has a filter function
	log   *slog.Logger

	mu   sync.Mutex
	dirs map[string]bool // Lua verdicts on directories

	// dyn holds the patterns an action sync's code added with
	// inlet.addExclude (nil: none).
	dyn atomic.Pointer[filter.Filter]
}

// setDynamic replaces the patterns actions added. A pattern rsync would
// not take is logged and the others kept.
func (k *keeper) setDynamic(patterns []string) {
	if len(patterns) == 0 {
		k.dyn.Store(nil)
		return
	}
	f, err := filter.New(filter.Options{Junk: []string{}, Exclude: patterns})
	if err != nil {
		k.log.Error("inlet.addExclude: a pattern is not valid; the exclude list is unchanged", "err", err)
		return
	}
	k.dyn.Store(f)
}

// dynSkips reports whether an action's exclude drops rel or a directory
// above it.
func (k *keeper) dynSkips(rel string, isDir bool) bool {
	f := k.dyn.Load()
	return f != nil && f.Skip(rel, isDir)
}

func newKeeper(f *filter.Filter, vm *luavm.VM, index int, log *slog.Logger) *keeper {
	return &keeper{f: f, vm: vm, index: index, lua: vm.HasFilter(index), log: log}
}

// Keeps reports whether rel (a file or, with isDir, a directory) belongs
// to the mirror.
func (k *keeper) Keeps(rel string, isDir bool) bool {
	if k.f.Skip(rel, isDir) {
		return false
	}
	return k.KeepsEvent(event.Event{Op: event.Create, Path: rel, IsDir: isDir})
}

// KeepsEvent reports whether the Lua filter keeps ev (as it is, for its
// own path) and every directory above its path. The static filter has
// already spoken for events from the watcher.
func (k *keeper) KeepsEvent(ev event.Event) bool {
	if ev.Path != "" && k.dynSkips(ev.Path, ev.IsDir) {
		return false
	}
	if !k.lua || ev.Path == "" {
		return true
	}
	for i := 0; i < len(ev.Path); i++ {
		if ev.Path[i] == '/' && !k.dirKept(ev.Path[:i]) {
			return false
		}
	}
	return k.ask(ev)
}

// dirKept is the Lua filter's remembered verdict on a directory.
func (k *keeper) dirKept(dir string) bool {
	k.mu.Lock()
	keep, ok := k.dirs[dir]
	k.mu.Unlock()
	if ok {
		return keep
	}
	keep = k.ask(event.Event{Op: event.Create, Path: dir, IsDir: true})
	k.mu.Lock()
	if k.dirs == nil || len(k.dirs) >= maxLuaDirs {
		k.dirs = make(map[string]bool)
	}
	k.dirs[strings.Clone(dir)] = keep
	k.mu.Unlock()
	return keep
}

// ask calls the Lua filter. A filter that errors keeps the event:
// syncing too much is recoverable, losing is not.
func (k *keeper) ask(ev event.Event) bool {
	keep, err := k.vm.Filter(context.Background(), k.index, ev)
	if err != nil {
		k.log.Warn("lua filter failed; keeping the event", "event", ev.String(), "err", err)
		return true
	}
	return keep
}

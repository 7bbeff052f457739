package luavm

import (
	"slices"
	"sync"
)

// dynExcludes are the patterns actions add and remove while running
// (inlet.addExclude, inlet.rmExclude), per sync. The daemon applies them
// through the hook it sets with VM.OnExcludes.
type dynExcludes struct {
	mu   sync.Mutex
	by   map[int][]string
	hook func(index int, patterns []string)
}

func newDynExcludes() *dynExcludes { return &dynExcludes{by: map[int][]string{}} }

func (x *dynExcludes) change(index int, add bool, pattern string) {
	x.mu.Lock()
	l := x.by[index]
	i := slices.Index(l, pattern)
	switch {
	case add && i < 0:
		l = append(l, pattern)
	case !add && i >= 0:
		l = slices.Delete(l, i, i+1)
	}
	x.by[index] = l
	hook, now := x.hook, slices.Clone(l)
	x.mu.Unlock()
	if hook != nil {
		hook(index, now)
	}
}

func (x *dynExcludes) list(index int) []string {
	x.mu.Lock()
	defer x.mu.Unlock()
	return slices.Clone(x.by[index])
}

// OnExcludes sets the function told of a sync's patterns each time an
// action changes them with inlet.addExclude or inlet.rmExclude. It runs on
// the VM's goroutine and must not call the VM.
func (vm *VM) OnExcludes(hook func(index int, patterns []string)) {
	vm.excludes.mu.Lock()
	vm.excludes.hook = hook
	vm.excludes.mu.Unlock()
}

package filter

import (
	"strings"
	"sync"
)

// maxKeptDirs bounds the memory of keptDirs; tests shrink it.
var maxKeptDirs = 4096

// keptDirs remembers directories a Filter has found not skipped, so Skip
// checks a deep path's ancestors once rather than on every event. The
// verdict for a path never changes (a Filter is immutable), so entries never
// go stale; when the set is full it is simply emptied.
type keptDirs struct {
	mu   sync.RWMutex
	dirs map[string]struct{}
}

func (k *keptDirs) has(dir string) bool {
	k.mu.RLock()
	_, ok := k.dirs[dir]
	k.mu.RUnlock()
	return ok
}

func (k *keptDirs) add(dir string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.dirs == nil || len(k.dirs) >= maxKeptDirs {
		k.dirs = make(map[string]struct{})
	}
	// Clone: dir is usually a slice of an event's path, and keeping it
	// would pin that whole string.
	k.dirs[strings.Clone(dir)] = struct{}{}
}

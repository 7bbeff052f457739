package watch

import (
	"maps"
	"strings"
	"sync"

	"github.com/luasync/luasync/runtime/event"
)

// maxWriting bounds the set of files being written. A file created with
// O_RDONLY|O_CREAT never reports a close-write and would stay in the set;
// past the bound the set starts over, which costs only a partial file sent
// early and again at its close.
const maxWriting = 1 << 16

// writingSet is the files the kernel reported created by open(2) (or that
// a new directory's listing found held open by a writer) whose close-write
// has not come yet. Their paths follow renames of the directories above
// them. The watcher's loop adds and removes; sinks ask, from their
// workers, to leave such files out of a new directory's listing.
type writingSet struct {
	mu sync.Mutex
	m  map[string]struct{}
}

func (s *writingSet) add(rel string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil || len(s.m) >= maxWriting {
		s.m = make(map[string]struct{})
	}
	s.m[rel] = struct{}{}
}

func (s *writingSet) remove(rel string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, rel)
}

func (s *writingSet) clear() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m = nil
}

func (s *writingSet) has(rel string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.m[rel]
	return ok
}

// rebase moves the files below directory from to below to (keep false
// drops them: the directory left the tree).
func (s *writingSet) rebase(from, to string, keep bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rebaseKeys(s.m, from, to, keep)
}

// rebaseKeys re-keys the paths strictly below directory from to below to,
// or drops them when keep is false: path-keyed state follows a directory
// the watcher relocated (package doc, rule 9).
func rebaseKeys[V any](m map[string]V, from, to string, keep bool) {
	moved := make(map[string]V)
	for rel, v := range m {
		if strings.HasPrefix(rel, from+"/") {
			delete(m, rel)
			if keep {
				moved[event.Rebase(rel, from, to)] = v
			}
		}
	}
	maps.Copy(m, moved)
}

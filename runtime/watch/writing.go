package watch

import (
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

// rebase moves the files below directory from to below to (to "" drops
// them: the directory left the tree).
func (s *writingSet) rebase(from, to string, keep bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for rel := range s.m {
		if rel == from || !strings.HasPrefix(rel, from+"/") {
			continue
		}
		delete(s.m, rel)
		if keep {
			s.m[event.Rebase(rel, from, to)] = struct{}{}
		}
	}
}

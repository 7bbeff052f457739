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

// writingSet is the files being written: created by open(2) or found held
// open by a writer, whose close-write has not come yet. The watcher's loop
// adds and removes; sinks ask, from their workers. Each is kept with its
// inode (0 if unknown), so that a newer file at the same path is not
// taken for it, and its path follows renames of directories above it.
type writingSet struct {
	mu sync.Mutex
	m  map[string]uint64
}

func (s *writingSet) add(rel string, ino uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil || len(s.m) >= maxWriting {
		s.m = make(map[string]uint64)
	}
	s.m[rel] = ino
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
	_, ok := s.inode(rel)
	return ok
}

// inode returns the inode recorded for rel.
func (s *writingSet) inode(rel string) (uint64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ino, ok := s.m[rel]
	return ino, ok
}

// rebase moves the files below directory from to below to (to "" drops
// them: the directory left the tree).
func (s *writingSet) rebase(from, to string, keep bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for rel, ino := range s.m {
		if rel == from || !strings.HasPrefix(rel, from+"/") {
			continue
		}
		delete(s.m, rel)
		if keep {
			s.m[event.Rebase(rel, from, to)] = ino
		}
	}
}

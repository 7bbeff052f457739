package torture

import (
	"io/fs"
	"strings"
)

// kind is what an entry of the tree is.
type kind uint8

const (
	file kind = iota
	dir
	symlink
	kinds
)

func (k kind) String() string {
	return [...]string{"file", "dir", "symlink"}[k]
}

// entry is what the model knows of one path: enough to pick valid
// operations and to check the tree on disk (Verify).
type entry struct {
	kind   kind
	size   int64       // files
	mode   fs.FileMode // permission and setgid bits, as the kernel keeps them
	target string      // symlinks
}

// pathSet is a set of paths kept in a slice, so that a random pick depends
// only on the operations that came before it (map order would not).
type pathSet struct {
	list []string
	at   map[string]int
}

func (s *pathSet) add(p string) {
	if s.at == nil {
		s.at = map[string]int{}
	}
	s.at[p] = len(s.list)
	s.list = append(s.list, p)
}

func (s *pathSet) remove(p string) {
	i := s.at[p]
	last := s.list[len(s.list)-1]
	s.list[i], s.at[last] = last, i
	s.list = s.list[:len(s.list)-1]
	delete(s.at, p)
}

// rename keeps p's place in the list, so that a move does not reorder picks.
func (s *pathSet) rename(from, to string) {
	i := s.at[from]
	delete(s.at, from)
	s.list[i], s.at[to] = to, i
}

// model is one writer's tree: every entry below its top directory (the top
// itself included), by path relative to the source root.
type model struct {
	top     string
	entries map[string]*entry
	byKind  [kinds]pathSet
}

func newModel(top string, topMode fs.FileMode) *model {
	m := &model{top: top, entries: map[string]*entry{}}
	m.add(top, &entry{kind: dir, mode: topMode})
	return m
}

func (m *model) get(p string) *entry { return m.entries[p] }

func (m *model) size() int { return len(m.entries) }

func (m *model) add(p string, e *entry) {
	m.entries[p] = e
	m.byKind[e.kind].add(p)
}

// removeTree drops p and, for a directory, everything below it.
func (m *model) removeTree(p string) {
	for _, d := range m.below(p) {
		m.drop(d)
	}
	m.drop(p)
}

func (m *model) drop(p string) {
	m.byKind[m.entries[p].kind].remove(p)
	delete(m.entries, p)
}

// move renames p, and everything below it, to q. An entry at q must have
// been dropped first.
func (m *model) move(p, q string) {
	for _, d := range m.below(p) {
		m.rename(d, q+d[len(p):])
	}
	m.rename(p, q)
}

func (m *model) rename(p, q string) {
	e := m.entries[p]
	delete(m.entries, p)
	m.entries[q] = e
	m.byKind[e.kind].rename(p, q)
}

// below lists every path under directory p, in pick order, so callers that
// act on each one stay deterministic.
func (m *model) below(p string) []string {
	prefix := p + "/"
	var out []string
	for k := range kinds {
		for _, q := range m.byKind[k].list {
			if strings.HasPrefix(q, prefix) {
				out = append(out, q)
			}
		}
	}
	return out
}

// longest is the length of the longest path at or below p, for keeping
// paths within limits when p moves.
func (m *model) longest(p string) int {
	n := len(p)
	for _, q := range m.below(p) {
		n = max(n, len(q))
	}
	return n
}

// within reports whether q is p or below it.
func within(q, p string) bool {
	return q == p || strings.HasPrefix(q, p+"/")
}

func parent(p string) string {
	return p[:strings.LastIndexByte(p, '/')]
}

func base(p string) string {
	return p[strings.LastIndexByte(p, '/')+1:]
}

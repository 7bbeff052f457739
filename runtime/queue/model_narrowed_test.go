package queue

import (
	"strings"

	"github.com/luasync/luasync/runtime/event"
)

// Scheduled full syncs with excludes of their own, in the model test: a
// narrowed Rescan of the root that leaves every path with a component "b"
// alone. The source changes there are reported as usual, so the target
// must still end up equal to the source: the queue may not let a narrowed
// Rescan absorb, cover or make vanish a change it does not apply.

var modelScope = &event.Scope{
	Patterns: []string{"- b"},
	Skip: func(rel string, _ bool) bool {
		return rel == "b" || strings.HasPrefix(rel, "b/") || strings.HasSuffix(rel, "/b") || strings.Contains(rel, "/b/")
	},
}

// scheduled reports a scheduled full sync: nothing changed in the source.
func (m *model) scheduled() {
	m.emit(event.Event{Op: event.Rescan, Path: "", IsDir: true, Scope: modelScope})
}

// rescanNarrowed makes the target equal to the source but for what the
// scope skips, which it neither copies nor deletes.
func (m *model) rescanNarrowed(s *event.Scope) {
	for _, p := range m.dst.tree("") {
		d, ok := m.dst[p]
		if !ok || s.Skips(p, d.dir) {
			continue
		}
		if n, had := m.src[p]; !had || n.dir != d.dir {
			m.dst.removeTree(p)
		}
	}
	for _, p := range m.src.tree("") {
		if p == "" || s.Skips(p, m.src[p].dir) {
			continue
		}
		m.parents(p)
		m.dst[p] = m.src[p]
	}
}

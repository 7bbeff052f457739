//go:build linux && !watch_fsnotify

package watch

import (
	"strings"
	"sync"
	"sync/atomic"
)

// dirNode is one watched directory. Nodes form a tree mirroring the watched
// directories, so a path is rebuilt from names on demand: renaming a
// directory is O(1) whatever lies below it, and a lookup by watch
// descriptor costs one map access plus the depth of the path.
type dirNode struct {
	name     string // raw bytes; "" for the root
	parent   *dirNode
	children map[string]*dirNode // nil until the first child
	wd       int32
}

// path returns the node's path relative to the root.
func (n *dirNode) path() string {
	if n.parent == nil {
		return n.name
	}
	var parts []string
	for ; n.parent != nil; n = n.parent {
		parts = append(parts, n.name)
	}
	var b strings.Builder
	for i := len(parts) - 1; i >= 0; i-- {
		b.WriteString(parts[i])
		if i > 0 {
			b.WriteByte('/')
		}
	}
	return b.String()
}

// tree indexes the watched directories by watch descriptor. Changes take
// mu, since a walk inserts from several goroutines; lookups run only on
// Run's goroutine while no walk is running, and take no lock.
type tree struct {
	mu    sync.Mutex
	root  *dirNode
	byWD  map[int32]*dirNode
	count atomic.Int64 // len(byWD), readable from any goroutine
}

func newTree() *tree {
	return &tree{byWD: make(map[int32]*dirNode)}
}

// insert records that parent/name (parent nil: the root) is watched as wd.
// It returns nil when wd is already known: the kernel hands back the same
// descriptor for an inode watched twice (a bind mount looping into the
// tree, or a directory reached again by a scan), and walking it again
// would not end or would duplicate work. A stale node that still holds the
// name is displaced and returned for the caller to drop.
func (t *tree) insert(parent *dirNode, name string, wd int32) (n, displaced *dirNode) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.byWD[wd]; ok {
		return nil, nil
	}
	n = &dirNode{name: name, parent: parent, wd: wd}
	if parent == nil {
		t.root = n
	} else {
		if parent.children == nil {
			parent.children = make(map[string]*dirNode)
		}
		displaced = parent.children[name]
		parent.children[name] = n
	}
	t.byWD[wd] = n
	t.count.Add(1)
	return n, displaced
}

func (t *tree) lookup(wd int32) *dirNode { return t.byWD[wd] }

// child returns the watched directory parent/name, or nil.
func (t *tree) child(parent *dirNode, name string) *dirNode {
	return parent.children[name]
}

// move renames n to newParent/newName and returns a node it displaced (the
// empty directory a rename replaced), which the caller drops.
func (t *tree) move(n, newParent *dirNode, newName string) (displaced *dirNode) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if n.parent != nil && n.parent.children[n.name] == n {
		delete(n.parent.children, n.name)
	}
	if newParent.children == nil {
		newParent.children = make(map[string]*dirNode)
	}
	displaced = newParent.children[newName]
	newParent.children[newName] = n
	n.parent, n.name = newParent, newName
	return displaced
}

// detach removes n and everything below it and returns their watch
// descriptors. n.parent is kept, so the node's last path stays readable.
func (t *tree) detach(n *dirNode) []int32 {
	t.mu.Lock()
	defer t.mu.Unlock()
	if n.parent != nil && n.parent.children[n.name] == n {
		delete(n.parent.children, n.name)
	}
	var wds []int32
	var walk func(*dirNode)
	walk = func(d *dirNode) {
		if t.byWD[d.wd] == d {
			delete(t.byWD, d.wd)
			t.count.Add(-1)
		}
		wds = append(wds, d.wd)
		for _, c := range d.children {
			walk(c)
		}
	}
	walk(n)
	if t.root == n {
		t.root = nil
	}
	return wds
}

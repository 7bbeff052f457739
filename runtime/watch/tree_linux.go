//go:build linux && !watch_fsnotify

package watch

import (
	"strings"
	"sync"
	"sync/atomic"
)

// dirID is a directory's identity: what a path can be checked against.
type dirID struct{ dev, ino uint64 }

// dirNode is one watched directory. Nodes form a tree mirroring the watched
// directories, so a path is rebuilt from names on demand: renaming a
// directory is O(1) whatever lies below it, and a lookup by watch
// descriptor costs one map access plus the depth of the path.
type dirNode struct {
	name     string // raw bytes; "" for the root
	parent   *dirNode
	children map[string]*dirNode // nil until the first child
	wd       int32
	id       dirID // the inode the watch is on
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

// within reports whether n is a or lies below it.
func (n *dirNode) within(a *dirNode) bool {
	for ; n != nil; n = n.parent {
		if n == a {
			return true
		}
	}
	return false
}

// tree indexes the watched directories by watch descriptor. Changes take
// mu, since a walk inserts from several goroutines; lookups run only on
// Run's goroutine while no walk is running, and take no lock.
//
// A node may be displaced from its parent's children by a newer directory
// of the same name (the old one was renamed or deleted, and its events are
// still on their way): it keeps its watch descriptor and its last position,
// and is settled by identity (see settle_linux.go), never by name.
type tree struct {
	mu    sync.Mutex
	root  *dirNode
	byWD  map[int32]*dirNode
	count atomic.Int64 // len(byWD), readable from any goroutine
}

func newTree() *tree {
	return &tree{byWD: make(map[int32]*dirNode)}
}

// insert records that parent/name (parent nil: the root) is watched as wd
// on inode id. When wd is known already (the kernel hands back the same
// descriptor for an inode watched twice) it returns that node as existing
// and changes nothing. displaced is a node that held the name before; the
// caller settles it.
func (t *tree) insert(parent *dirNode, name string, wd int32, id dirID) (n, existing, displaced *dirNode) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if old, ok := t.byWD[wd]; ok {
		return nil, old, nil
	}
	n = &dirNode{name: name, parent: parent, wd: wd, id: id}
	if parent == nil {
		t.root = n
	} else {
		displaced = t.link(n, parent, name)
	}
	t.byWD[wd] = n
	t.count.Add(1)
	return n, nil, displaced
}

// link makes n the child name of parent and returns the node it displaced.
func (t *tree) link(n, parent *dirNode, name string) (displaced *dirNode) {
	if parent.children == nil {
		parent.children = make(map[string]*dirNode)
	}
	displaced = parent.children[name]
	parent.children[name] = n
	if displaced == n {
		displaced = nil
	}
	return displaced
}

func (t *tree) lookup(wd int32) *dirNode { return t.byWD[wd] }

// attached reports whether n is still watched (not detached).
func (t *tree) attached(n *dirNode) bool { return n != nil && t.byWD[n.wd] == n }

// child returns the watched directory parent/name, or nil.
func (t *tree) child(parent *dirNode, name string) *dirNode {
	return parent.children[name]
}

// move renames n to newParent/newName and returns a node it displaced. It
// refuses (false) to move a node below itself, which no rename does but a
// bind mount looping into the tree would suggest.
func (t *tree) move(n, newParent *dirNode, newName string) (displaced *dirNode, ok bool) {
	if newParent.within(n) {
		return nil, false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if n.parent != nil && n.parent.children[n.name] == n {
		delete(n.parent.children, n.name)
	}
	displaced = t.link(n, newParent, newName)
	n.parent, n.name = newParent, newName
	return displaced, true
}

// detach removes n and everything below it and returns them. n.parent is
// kept, so the node's last path stays readable.
func (t *tree) detach(n *dirNode) []*dirNode {
	t.mu.Lock()
	defer t.mu.Unlock()
	if n.parent != nil && n.parent.children[n.name] == n {
		delete(n.parent.children, n.name)
	}
	var gone []*dirNode
	var walk func(*dirNode)
	walk = func(d *dirNode) {
		if t.byWD[d.wd] == d {
			delete(t.byWD, d.wd)
			t.count.Add(-1)
			gone = append(gone, d)
		}
		for _, c := range d.children {
			if c.parent == d {
				walk(c)
			}
		}
	}
	walk(n)
	if t.root == n {
		t.root = nil
	}
	return gone
}

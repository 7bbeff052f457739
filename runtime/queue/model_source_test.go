package queue

import (
	"strings"

	"github.com/luasync/luasync/runtime/event"
)

// This file is the source side of the model test: random file-system
// operations and the events a watcher reports for them.

func (m *model) sourceOp() {
	if m.cfg.narrowed && m.rng.Intn(12) == 0 {
		m.scheduled()
		return
	}
	switch m.rng.Intn(20) {
	case 0, 1, 2:
		m.createFile()
	case 3, 4, 5:
		m.writeFile()
	case 6, 7:
		m.attrib()
	case 8, 9, 10:
		m.mkdir()
	case 11, 12:
		m.remove()
	case 13, 14, 15:
		m.rename()
	case 16:
		m.swap()
	case 17, 18:
		m.moveIn()
	default:
		m.overflow()
	}
}

func (m *model) nextVer() int {
	m.ver++
	return m.ver
}

// freePath returns a random absent path (inside the scope) whose parent is a
// directory, or false.
func (m *model) freePath() (string, bool) {
	var c []string
	for _, p := range m.universe {
		if under(p, m.scope) && !m.src.has(p) && m.src.isDir(event.Parent(p)) {
			c = append(c, p)
		}
	}
	if len(c) == 0 {
		return "", false
	}
	return c[m.rng.Intn(len(c))], true
}

// existing returns a random existing path inside the scope, or false.
func (m *model) existing(wantDir, wantFile bool) (string, bool) {
	var c []string
	for _, p := range m.src.tree(m.scope) {
		if p == m.scope {
			continue
		}
		if n := m.src[p]; n.dir && wantDir || !n.dir && wantFile {
			c = append(c, p)
		}
	}
	if len(c) == 0 {
		return "", false
	}
	return c[m.rng.Intn(len(c))], true
}

func (m *model) createFile() {
	p, ok := m.freePath()
	if !ok {
		return
	}
	m.src[p] = fsNode{ver: m.nextVer()}
	m.logf("create file %q", p)
	size := int64(m.rng.Intn(8))
	m.emit(event.Event{Op: event.Create, Path: p, Size: size})
	if m.rng.Intn(2) == 0 { // close-write after open(O_CREAT)
		m.emit(event.Event{Op: event.Modify, Path: p, Size: size})
	}
	if m.rng.Intn(8) == 0 { // found again by the new-directory scan
		m.emit(event.Event{Op: event.Create, Path: p, Size: size})
	}
}

func (m *model) writeFile() {
	if p, ok := m.existing(false, true); ok {
		m.src[p] = fsNode{ver: m.nextVer()}
		m.logf("write %q", p)
		m.emit(event.Event{Op: event.Modify, Path: p, Size: int64(m.rng.Intn(8))})
	}
}

func (m *model) attrib() {
	if p, ok := m.existing(true, true); ok {
		n := m.src[p]
		n.ver = m.nextVer()
		m.src[p] = n
		m.logf("chmod %q", p)
		m.emit(event.Event{Op: event.Attrib, Path: p, IsDir: n.dir})
	}
}

func (m *model) mkdir() {
	if p, ok := m.freePath(); ok {
		m.src[p] = fsNode{dir: true, ver: m.nextVer()}
		m.logf("mkdir %q", p)
		m.emit(event.Event{Op: event.Create, Path: p, IsDir: true})
	}
}

// remove deletes a file, or a directory tree as rm -r does (children
// reported first), or as a move out of the source (only the top reported).
func (m *model) remove() {
	p, ok := m.existing(true, true)
	if !ok {
		return
	}
	tree := m.src.tree(p)
	old := fsys{}
	for _, k := range tree {
		old[k] = m.src[k]
	}
	m.src.removeTree(p)
	if !old[p].dir || m.rng.Intn(2) == 0 {
		m.logf("rm -r %q", p)
		for i := len(tree) - 1; i > 0; i-- {
			m.emit(event.Event{Op: event.Delete, Path: tree[i], IsDir: old[tree[i]].dir})
		}
	} else {
		m.logf("mv %q out", p)
	}
	m.emit(event.Event{Op: event.Delete, Path: p, IsDir: old[p].dir})
}

// rename moves a file or directory within the scope, overwriting a file
// with a file or an empty directory with a directory, as rename(2) allows.
func (m *model) rename() {
	p, ok := m.existing(true, true)
	if !ok {
		return
	}
	isDir := m.src[p].dir
	var c []string
	for _, d := range m.universe {
		if !under(d, m.scope) || event.Within(d, p) || !m.src.isDir(event.Parent(d)) {
			continue
		}
		if !m.src.has(d) || m.src[d].dir == isDir && (!isDir || m.src.empty(d)) {
			c = append(c, d)
		}
	}
	if len(c) == 0 {
		return
	}
	m.renameTo(p, c[m.rng.Intn(len(c))])
}

// renameTo renames p to dst, replacing what dst holds (nothing, a file, or
// an empty directory), and reports it.
func (m *model) renameTo(p, dst string) {
	isDir := m.src[p].dir
	moved := fsys{}
	for _, k := range m.src.tree(p) {
		moved[event.Rebase(k, p, dst)] = m.src[k]
	}
	m.src.removeTree(p)
	m.src.removeTree(dst)
	for k, n := range moved {
		m.src[k] = n
	}
	m.logf("mv %q %q", p, dst)
	m.emit(event.Event{Op: event.Move, From: p, Path: dst, IsDir: isDir})
}

// moveIn moves a new file or tree in from outside the source: the watcher
// reports a Create for it and, scanning it, one for everything inside.
func (m *model) moveIn() {
	p, ok := m.freePath()
	if !ok {
		return
	}
	m.logf("mv in %q", p)
	m.grow(p)
	for _, k := range m.src.tree(p) {
		m.emit(event.Event{Op: event.Create, Path: k, IsDir: m.src[k].dir})
	}
}

func (m *model) grow(p string) {
	if m.rng.Intn(2) == 0 || strings.Count(p, "/")+1 >= modelDepth {
		m.src[p] = fsNode{ver: m.nextVer()}
		return
	}
	m.src[p] = fsNode{dir: true, ver: m.nextVer()}
	for _, n := range modelNames() {
		if m.rng.Intn(2) == 0 {
			m.grow(event.Join(p, n))
		}
	}
}

// overflow changes a subtree without reporting it (the kernel queue
// overflowed) and then reports a Rescan of it.
func (m *model) overflow() {
	scope := ""
	if m.rng.Intn(5) > 0 {
		d, ok := m.existing(true, false)
		if !ok {
			return
		}
		scope = d
	}
	m.logf("overflow in %q", scope)
	m.scope, m.silent = scope, true
	for i := m.rng.Intn(4); i >= 0; i-- {
		switch m.rng.Intn(6) {
		case 0:
			m.createFile()
		case 1:
			m.writeFile()
		case 2:
			m.mkdir()
		case 3:
			m.remove()
		case 4:
			m.rename()
		default:
			m.attrib()
		}
	}
	m.scope, m.silent = "", false
	m.emit(event.Event{Op: event.Rescan, Path: scope, IsDir: true})
}

// swap exchanges two entries of the same kind through a free temporary
// name, as editors and deploy tools do: three renames back to back.
func (m *model) swap() {
	a, ok1 := m.existing(true, true)
	b, ok2 := m.existing(true, true)
	tmp, ok3 := m.freePath()
	if !ok1 || !ok2 || !ok3 || a == b || m.src[a].dir != m.src[b].dir ||
		event.Within(a, b) || event.Within(b, a) || event.Within(tmp, a) || event.Within(tmp, b) {
		return
	}
	m.renameTo(a, tmp)
	m.renameTo(b, a)
	m.renameTo(tmp, b)
}

package torture

import (
	"io/fs"
	"strconv"
	"time"
)

// maxHot is how many recently renamed directories a writer keeps aiming at.
const maxHot = 16

// pick returns a random path of kind k, or "" if there is none.
func (w *writer) pick(k kind) string {
	l := w.m.byKind[k].list
	if len(l) == 0 {
		return ""
	}
	return l[w.rng.IntN(len(l))]
}

// pickEntry returns a random file or symlink (a non-directory), or "".
func (w *writer) pickEntry() string {
	if w.rng.IntN(5) == 0 {
		if l := w.pick(symlink); l != "" {
			return l
		}
	}
	return w.pick(file)
}

// pickSubdir returns a random directory other than the writer's top, or "".
func (w *writer) pickSubdir() string {
	if len(w.m.byKind[dir].list) < 2 {
		return ""
	}
	for {
		if d := w.pick(dir); d != w.m.top {
			return d
		}
	}
}

// pickEmptyDir returns a random empty directory other than the top, or "".
func (w *writer) pickEmptyDir() string {
	full := map[string]bool{}
	for k := range kinds {
		for _, p := range w.m.byKind[k].list {
			if p != w.m.top {
				full[parent(p)] = true
			}
		}
	}
	var empty []string
	for _, d := range w.m.byKind[dir].list {
		if !full[d] && d != w.m.top {
			empty = append(empty, d)
		}
	}
	if len(empty) == 0 {
		return ""
	}
	return empty[w.rng.IntN(len(empty))]
}

// pickParent returns a directory for a new entry: often one of the hot
// directories, else any, as long as a 255-byte name still fits in it.
func (w *writer) pickParent() string {
	d := ""
	if w.rng.IntN(100) < 35 {
		d = w.pickHot()
	}
	if d == "" {
		d = w.pick(dir)
	}
	if !fits(len(d) + 1 + 255) {
		return w.m.top
	}
	return d
}

// pickHot returns a hot directory that still exists, or "". Hot paths
// that have been deleted or renamed away are forgotten here.
func (w *writer) pickHot() string {
	for len(w.hot) > 0 {
		i := w.rng.IntN(len(w.hot))
		if e := w.m.get(w.hot[i]); e != nil && e.kind == dir {
			return w.hot[i]
		}
		w.hot = append(w.hot[:i], w.hot[i+1:]...)
	}
	return ""
}

func (w *writer) addHot(dirs ...string) {
	w.hot = append(w.hot, dirs...)
	if n := len(w.hot) - maxHot; n > 0 {
		w.hot = w.hot[n:]
	}
}

// newPath returns a fresh path in dir; a name too long for dir falls back
// to a plain one.
func (w *writer) newPath(dir, prefix string) string {
	name := w.freshName(prefix)
	if !fits(len(dir) + 1 + len(name)) {
		name = prefix + strconv.Itoa(w.names)
	}
	return dir + "/" + name
}

// canMove reports whether from may be renamed to the free path to: not
// into itself, into an existing directory, within the path limit.
func (w *writer) canMove(from, to string) bool {
	if within(to, from) || w.m.get(to) != nil {
		return false
	}
	if p := w.m.get(parent(to)); p == nil || p.kind != dir {
		return false
	}
	return fits(w.m.longest(from) - len(from) + len(to))
}

// filesBelow lists the files at any depth below directory d.
func (w *writer) filesBelow(d string) []string {
	var out []string
	for _, p := range w.m.below(d) {
		if w.m.get(p).kind == file {
			out = append(out, p)
		}
	}
	return out
}

// linkTarget returns a symlink's text for a link in dir: a sibling, the
// parent, something dangling, absolute or relative, or an odd name.
func (w *writer) linkTarget(d string) string {
	switch w.rng.IntN(6) {
	case 0:
		var siblings []string
		for _, p := range w.m.below(d) {
			if parent(p) == d {
				siblings = append(siblings, base(p))
			}
		}
		if len(siblings) > 0 {
			return siblings[w.rng.IntN(len(siblings))]
		}
		return "."
	case 1:
		return ".."
	case 2:
		return "no/such/t" + strconv.Itoa(w.rng.IntN(1000))
	case 3:
		t := "/nonexistent/t" + strconv.Itoa(w.rng.IntN(1000))
		if w.relativeLinks {
			return t[1:]
		}
		return t
	case 4:
		return "../" + base(d) + "/"
	}
	return w.freshName("t")
}

func (w *writer) fileMode() fs.FileMode {
	return 0o600 | fs.FileMode(w.rng.IntN(0o200))
}

// dirMode keeps u+rwx so that the generator and every sink can go on
// working in it; one directory in five is setgid.
func (w *writer) dirMode() fs.FileMode {
	m := 0o700 | fs.FileMode(w.rng.IntN(0o100))
	if w.rng.IntN(5) == 0 {
		m |= fs.ModeSetgid
	}
	return m
}

// mtime is a time in the past with nanoseconds, as cp -p and tar set.
func (w *writer) mtime() time.Time {
	return time.Date(2000+w.rng.IntN(25), time.Month(1+w.rng.IntN(12)), 1+w.rng.IntN(28),
		w.rng.IntN(24), w.rng.IntN(60), w.rng.IntN(60), w.rng.IntN(1e9), time.UTC)
}

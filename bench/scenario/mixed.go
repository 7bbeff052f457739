package scenario

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
)

// model is the mixed run's view of the tree under mixed/: kept in slices,
// not maps, so random picks are the same for every tool.
type model struct {
	dirs  []string // top-level directories under mixed/
	files []string // every file, relative to the source
	sizes map[string]int64
	next  int // for fresh names
}

func newModel(t Tree) *model {
	m := &model{sizes: map[string]int64{}}
	for d := range t.Dirs {
		m.dirs = append(m.dirs, t.dirName(d))
	}
	for i := range t.Files {
		rel := t.fileName(i)
		m.files = append(m.files, rel)
		m.sizes[rel] = int64(t.size(i))
	}
	return m
}

func (m *model) fresh(prefix string) string {
	m.next++
	return fmt.Sprintf("%s%05d", prefix, m.next)
}

func (m *model) dropFile(rel string) {
	m.files = slices.DeleteFunc(m.files, func(f string) bool { return f == rel })
	delete(m.sizes, rel)
}

// moveTree updates every name under from to lie under to.
func (m *model) moveTree(from, to string) {
	for i, f := range m.files {
		if rest, ok := strings.CutPrefix(f, from+"/"); ok {
			nf := to + "/" + rest
			m.files[i] = nf
			m.sizes[nf] = m.sizes[f]
			delete(m.sizes, f)
		}
	}
}

// The operation mix, in percent.
var mixedOps = []struct {
	pct int
	op  func(*Writer, *model) error
}{
	{35, opModify},
	{15, opCreate},
	{10, opRenameFile},
	{5, opRenameDir},
	{5, opDeleteTree},
	{10, opDeleteFile},
	{15, opChmod},
	{5, opNewTree},
}

func mixed(start Tree, rate int, d time.Duration) func(context.Context, *Writer) error {
	return func(ctx context.Context, w *Writer) error {
		return runMixed(ctx, w, newModel(start), rate, d)
	}
}

func runMixed(ctx context.Context, w *Writer, m *model, rate int, d time.Duration) error {
	_, err := pace(ctx, rate, d, func(int) error {
		r := w.rng.IntN(100)
		for _, o := range mixedOps {
			if r < o.pct {
				return o.op(w, m)
			}
			r -= o.pct
		}
		return nil
	})
	return err
}

func opModify(w *Writer, m *model) error {
	if len(m.files) == 0 {
		return opCreate(w, m)
	}
	f := m.files[w.rng.IntN(len(m.files))]
	n := w.between(1<<10, 4<<10)
	if err := w.Append(f, m.sizes[f], n); err != nil {
		return err
	}
	m.sizes[f] += int64(n)
	return nil
}

func opCreate(w *Writer, m *model) error {
	if len(m.dirs) == 0 {
		return opNewTree(w, m)
	}
	f := m.dirs[w.rng.IntN(len(m.dirs))] + "/" + m.fresh("n")
	size := w.between(1<<10, 16<<10)
	if err := w.Write(f, size, 0); err != nil {
		return err
	}
	m.files = append(m.files, f)
	m.sizes[f] = int64(size)
	return nil
}

func opRenameFile(w *Writer, m *model) error {
	if len(m.files) == 0 || len(m.dirs) == 0 {
		return nil
	}
	i := w.rng.IntN(len(m.files))
	from := m.files[i]
	to := m.dirs[w.rng.IntN(len(m.dirs))] + "/" + m.fresh("r")
	if err := w.Rename(from, to); err != nil {
		return err
	}
	m.files[i] = to
	m.sizes[to] = m.sizes[from]
	delete(m.sizes, from)
	return nil
}

func opRenameDir(w *Writer, m *model) error {
	if len(m.dirs) == 0 {
		return nil
	}
	i := w.rng.IntN(len(m.dirs))
	from, to := m.dirs[i], "mixed/"+m.fresh("rd")
	if err := w.Rename(from, to); err != nil {
		return err
	}
	m.dirs[i] = to
	m.moveTree(from, to)
	return nil
}

// opDeleteTree removes a whole directory, keeping a few so there is
// always somewhere to write.
func opDeleteTree(w *Writer, m *model) error {
	if len(m.dirs) < 4 {
		return opNewTree(w, m)
	}
	i := w.rng.IntN(len(m.dirs))
	dir := m.dirs[i]
	if err := w.RemoveAll(dir); err != nil {
		return err
	}
	m.dirs = slices.Delete(m.dirs, i, i+1)
	for _, f := range slices.Clone(m.files) {
		if strings.HasPrefix(f, dir+"/") {
			m.dropFile(f)
		}
	}
	return nil
}

func opDeleteFile(w *Writer, m *model) error {
	if len(m.files) == 0 {
		return nil
	}
	f := m.files[w.rng.IntN(len(m.files))]
	if err := w.RemoveAll(f); err != nil {
		return err
	}
	m.dropFile(f)
	return nil
}

var chmodModes = []os.FileMode{0o600, 0o640, 0o644, 0o755}

func opChmod(w *Writer, m *model) error {
	if len(m.files) == 0 {
		return nil
	}
	return w.Chmod(m.files[w.rng.IntN(len(m.files))], chmodModes[w.rng.IntN(len(chmodModes))])
}

// opNewTree makes a new directory with a subdirectory and a few files.
func opNewTree(w *Writer, m *model) error {
	dir := "mixed/" + m.fresh("t")
	if err := w.Mkdir(dir + "/sub"); err != nil {
		return err
	}
	for _, f := range []string{dir + "/a", dir + "/b", dir + "/sub/c"} {
		size := w.between(1<<10, 8<<10)
		if err := w.Write(f, size, 0); err != nil {
			return err
		}
		m.files = append(m.files, f)
		m.sizes[f] = int64(size)
	}
	m.dirs = append(m.dirs, dir)
	return nil
}

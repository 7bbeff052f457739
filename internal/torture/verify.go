package torture

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Verify checks that every writer's tree on disk is exactly what its model
// says (paths, types, sizes, permission and setgid bits, symlink targets),
// and names the first differences. A difference means the generator is
// wrong, or something else wrote into the source.
func (g *Generator) Verify() error {
	var diffs []string
	for _, w := range g.writers {
		d, err := w.verify()
		if err != nil {
			return err
		}
		diffs = append(diffs, d...)
	}
	if len(diffs) == 0 {
		return nil
	}
	sort.Strings(diffs)
	if len(diffs) > 20 {
		diffs = append(diffs[:20], fmt.Sprintf("... and %d more", len(diffs)-20))
	}
	return errors.New("source tree differs from the generator's model:\n" + strings.Join(diffs, "\n"))
}

func (w *writer) verify() ([]string, error) {
	var diffs []string
	seen := map[string]bool{}
	err := filepath.WalkDir(w.abs(w.m.top), func(path string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(w.root, path)
		if err != nil {
			return err
		}
		seen[rel] = true
		e := w.m.get(rel)
		if e == nil {
			diffs = append(diffs, fmt.Sprintf("%q: on disk, not in the model", rel))
			return nil
		}
		if d := e.differs(path); d != "" {
			diffs = append(diffs, fmt.Sprintf("%q: %s", rel, d))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("verify source tree: %w", err)
	}
	for p := range w.m.entries {
		if !seen[p] {
			diffs = append(diffs, fmt.Sprintf("%q: in the model, not on disk", p))
		}
	}
	return diffs, nil
}

// differs compares the entry with what is at path, and says how they
// differ, or returns "".
func (e *entry) differs(path string) string {
	fi, err := os.Lstat(path)
	if err != nil {
		return err.Error()
	}
	var k kind
	switch {
	case fi.Mode().IsRegular():
		k = file
	case fi.IsDir():
		k = dir
	case fi.Mode().Type() == fs.ModeSymlink:
		k = symlink
	default:
		return "unexpected type " + fi.Mode().Type().String()
	}
	if k != e.kind {
		return fmt.Sprintf("model says %s, disk has %s", e.kind, k)
	}
	switch k {
	case symlink:
		if t, err := os.Readlink(path); err != nil || t != e.target {
			return fmt.Sprintf("symlink target %q on disk, %q in the model (%v)", t, e.target, err)
		}
		return ""
	case file:
		if fi.Size() != e.size {
			return fmt.Sprintf("size %d on disk, %d in the model", fi.Size(), e.size)
		}
	}
	if m := fi.Mode() & (fs.ModePerm | fs.ModeSetgid | fs.ModeSetuid | fs.ModeSticky); m != e.mode {
		return fmt.Sprintf("mode %v on disk, %v in the model", m, e.mode)
	}
	return ""
}

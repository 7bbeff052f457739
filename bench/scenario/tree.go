package scenario

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
)

// Tree is a pre-populated tree under Name/ in a run's source: Files files
// spread round-robin over Dirs directories, sizes fixed by their index.
type Tree struct {
	Name             string
	Files, Dirs      int
	MinSize, MaxSize int
	// Link: runs get hard links to the cached files (fast for 100,000
	// files). Only for trees no workload writes into; the sync tools never
	// write in place (rsync and luasync write a temporary file and rename).
	Link bool
}

func (t Tree) dirName(d int) string  { return fmt.Sprintf("%s/d%04d", t.Name, d) }
func (t Tree) fileName(i int) string { return fmt.Sprintf("%s/f%06d", t.dirName(i%t.Dirs), i) }

// size is file i's size, the same on every call (a splitmix64 step).
func (t Tree) size(i int) int {
	z := uint64(i) + 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	z ^= z >> 31
	return t.MinSize + int(z%uint64(t.MaxSize-t.MinSize+1))
}

func (t Tree) key() string {
	return fmt.Sprintf("%s-%d-%d-%d-%d", t.Name, t.Files, t.Dirs, t.MinSize, t.MaxSize)
}

// Build makes the tree in cacheDir unless an earlier run already did, and
// returns the directory that holds Name/.
func (t Tree) Build(cacheDir string) (string, error) {
	root := filepath.Join(cacheDir, t.key())
	if _, err := os.Stat(filepath.Join(root, t.Name)); err == nil {
		return root, nil
	}
	tmp := root + ".partial"
	if err := os.RemoveAll(tmp); err != nil {
		return "", fmt.Errorf("build tree %s: %w", tmp, err)
	}
	if err := t.write(tmp); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, root); err != nil {
		return "", fmt.Errorf("build tree %s: %w", root, err)
	}
	return root, nil
}

func (t Tree) write(root string) error {
	for d := range t.Dirs {
		if err := os.MkdirAll(filepath.Join(root, t.dirName(d)), 0o755); err != nil {
			return fmt.Errorf("build tree %s: %w", root, err)
		}
	}
	rng := rand.New(rand.NewPCG(uint64(t.Files), uint64(t.Dirs)))
	buf := make([]byte, t.MaxSize)
	for i := range t.Files {
		for j := range buf[:t.size(i)] {
			buf[j] = byte(rng.Uint32())
		}
		p := filepath.Join(root, t.fileName(i))
		if err := os.WriteFile(p, buf[:t.size(i)], 0o644); err != nil {
			return fmt.Errorf("build tree %s: %w", p, err)
		}
	}
	return nil
}

// CopyTo puts the cached tree at dst/Name, hard-linked when t.Link.
func (t Tree) CopyTo(cacheRoot, dst string) error {
	flags := "-a"
	if t.Link {
		flags = "-al"
	}
	from := filepath.Join(cacheRoot, t.Name)
	if out, err := exec.Command("cp", flags, "--", from, dst+"/").CombinedOutput(); err != nil {
		return fmt.Errorf("copy tree %s to %s: %w: %s", from, dst, err, out)
	}
	return nil
}

// CountDirs counts the directories under root, root included: a tool is
// ready when it watches that many.
func CountDirs(root string) (int, error) {
	n := 0
	err := filepath.WalkDir(root, func(_ string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("count directories under %s: %w", root, err)
	}
	return n, nil
}

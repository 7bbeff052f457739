package scenario

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/luasync/luasync/bench/probe"
)

// The scenarios are issue 3's list, in its order, then issue 8's
// directory moves.
func TestAllIsTheIssuesList(t *testing.T) {
	var names []string
	for _, s := range All(Full()) {
		names = append(names, s.Name)
	}
	want := []string{Rate200, Rate200Tree, Rate2000, Burst, Chains, Mixed, BigFile, Startup, DirMoves}
	if !slices.Equal(names, want) {
		t.Errorf("All = %v, want %v", names, want)
	}
	titles := map[string]string{}
	for _, s := range All(Full()) {
		titles[s.Name] = s.Title
	}
	for name, want := range map[string]string{
		Rate200:     "200 files/s of 10-100 KB for 15s",
		Rate200Tree: "into a tree of 100000 files",
		Rate2000:    "2000 files/s of 1-8 KB for 10s",
		Burst:       "20000 1 KB files in 200 new directories",
		Chains:      "500 new a/b/c/d chains",
		BigFile:     "300 MB file written in 1 MB chunks",
		Startup:     "100000 files in 5000 directories",
		DirMoves:    "400 directories unpacked as tmpN/a/b",
	} {
		if !strings.Contains(titles[name], want) {
			t.Errorf("%s title %q lacks %q", name, titles[name], want)
		}
	}
}

func TestSelect(t *testing.T) {
	all := All(Quick())
	got, err := Select(all, "burst, mixed")
	if err != nil || len(got) != 2 || got[0].Name != Burst || got[1].Name != Mixed {
		t.Errorf("Select(burst, mixed) = %v, %v", got, err)
	}
	if got, _ := Select(all, "all"); len(got) != len(all) {
		t.Errorf("Select(all) = %d scenarios, want %d", len(got), len(all))
	}
	if _, err := Select(all, "nope"); err == nil || !strings.Contains(err.Error(), "rate200") {
		t.Errorf("Select(nope) = %v, want an error listing the names", err)
	}
}

func tiny() Sizes {
	return Sizes{
		LoadFor: 50 * time.Millisecond, FastLoadFor: 20 * time.Millisecond,
		TreeFiles: 40, TreeDirs: 4, BurstFiles: 20, BurstDirs: 2, Chains: 3,
		MixedFiles: 40, MixedDirs: 5, MixedFor: 300 * time.Millisecond, MixedOpsPerSec: 300, BigFileMB: 2,
		MovedDirs: 3,
	}
}

// Every workload runs, writes what it says, and registers every file it
// wrote with the probe.
func TestWorkloadsWriteWhatTheySay(t *testing.T) {
	files := map[string]int{Burst: 20, Chains: 12, BigFile: 1}
	for _, sc := range All(tiny()) {
		if sc.FromStart {
			continue
		}
		t.Run(sc.Name, func(t *testing.T) {
			src, _, p := setup(t, sc)
			w := NewWriter(src, p, 1)
			if err := sc.Work(context.Background(), w); err != nil {
				t.Fatal(err)
			}
			if want, ok := files[sc.Name]; ok && w.Files != want {
				t.Errorf("wrote %d files, want %d", w.Files, want)
			}
			if w.Files == 0 || w.Last.IsZero() {
				t.Errorf("wrote %d files, last change %v", w.Files, w.Last)
			}
			if p.Open() == 0 {
				t.Error("nothing registered with the probe")
			}
		})
	}
}

// The mixed run's model is the tree: every random pick is made on a true
// picture of the source.
func TestMixedModelMatchesTheTree(t *testing.T) {
	sc := byName(t, All(tiny()), Mixed)
	src, _, p := setup(t, sc)
	w := NewWriter(src, p, 7)
	m := newModel(sc.Tree)
	if err := runMixed(context.Background(), w, m, 300, 500*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	onDisk := map[string]int64{}
	err := filepath.WalkDir(filepath.Join(src, "mixed"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		rel, _ := filepath.Rel(src, path)
		onDisk[rel] = fi.Size()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(onDisk) != len(m.files) || len(m.sizes) != len(m.files) {
		t.Fatalf("tree has %d files, model %d (%d sizes)", len(onDisk), len(m.files), len(m.sizes))
	}
	for _, f := range m.files {
		if size, ok := onDisk[f]; !ok || size != m.sizes[f] {
			t.Errorf("%s: model size %d, on disk %d (present %v)", f, m.sizes[f], size, ok)
		}
	}
}

// The same seed gives the same workload: every tool, and every repeated
// run, sees the same changes.
func TestWorkloadsAreDeterministic(t *testing.T) {
	for _, name := range []string{Mixed, DirMoves} {
		sc := byName(t, All(tiny()), name)
		work := sc.Work
		if name == Mixed {
			work = func(ctx context.Context, w *Writer) error { // faster than its pace: a short test
				return runMixed(ctx, w, newModel(sc.Tree), 1000, 100*time.Millisecond)
			}
		}
		t.Run(name, func(t *testing.T) {
			var trees []map[string]int64
			for range 2 {
				src, _, p := setup(t, sc)
				if err := work(context.Background(), NewWriter(src, p, 42)); err != nil {
					t.Fatal(err)
				}
				trees = append(trees, listing(t, src))
			}
			if len(trees[0]) != len(trees[1]) {
				t.Fatalf("two runs with one seed made %d and %d entries", len(trees[0]), len(trees[1]))
			}
			for k, v := range trees[0] {
				if trees[1][k] != v {
					t.Errorf("%s: %d vs %d", k, v, trees[1][k])
				}
			}
		})
	}
}

func byName(t *testing.T, all []Scenario, name string) Scenario {
	t.Helper()
	got, err := Select(all, name)
	if err != nil {
		t.Fatal(err)
	}
	return got[0]
}

func TestTreeBuildsOnceAndCopies(t *testing.T) {
	cache, dst := t.TempDir(), t.TempDir()
	tr := Tree{Name: "t", Files: 30, Dirs: 3, MinSize: 10, MaxSize: 20, Link: true}
	root, err := tr.Build(cache)
	if err != nil {
		t.Fatal(err)
	}
	marker := filepath.Join(root, "t", "d0000", "f000000")
	before, _ := os.Stat(marker)
	if _, err := tr.Build(cache); err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(marker)
	if !os.SameFile(before, after) {
		t.Error("a second Build rebuilt the cached tree")
	}
	if err := tr.CopyTo(root, dst); err != nil {
		t.Fatal(err)
	}
	if n, err := CountDirs(dst); err != nil || n != 5 { // dst, t, three d*
		t.Errorf("CountDirs = %d, %v; want 5", n, err)
	}
	if got := listing(t, dst); len(got) != 30 {
		t.Errorf("copied %d files, want 30", len(got))
	}
}

// setup returns a run's source (holding the scenario's tree), an empty
// target and the probe watching it.
func setup(t *testing.T, sc Scenario) (src, dst string, p *probe.Probe) {
	t.Helper()
	src, dst = t.TempDir(), t.TempDir()
	if sc.Tree.Name != "" {
		root, err := sc.Tree.Build(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		if err := sc.Tree.CopyTo(root, src); err != nil {
			t.Fatal(err)
		}
	}
	p, err := probe.Start(dst)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Stop() })
	return src, dst, p
}

// listing maps each file's path to its size and mode.
func listing(t *testing.T, root string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		rel, _ := filepath.Rel(root, path)
		out[rel] = fi.Size()<<12 | int64(fi.Mode().Perm())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

package scenario

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The directory-moves workload leaves every unpacked directory under its
// final name with its three levels, 5-10 files across them and a late
// file, and no temporary name behind.
func TestDirMovesUnpacksAndRenames(t *testing.T) {
	sc := byName(t, All(tiny()), DirMoves)
	if !sc.Floor || !sc.OnTarget || sc.Tree.Name != "moves" {
		t.Errorf("dirmoves: Floor %v, OnTarget %v, tree %q; want a floor and the moves tree already on the target",
			sc.Floor, sc.OnTarget, sc.Tree.Name)
	}
	src, _, p := setup(t, sc)
	w := NewWriter(src, p, 1)
	if err := sc.Work(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	files := listing(t, src)
	written := 0
	for i := range tiny().MovedDirs {
		dir := fmt.Sprintf("moves/moved%04d", i)
		if fi, err := os.Stat(filepath.Join(src, dir, "a", "b")); err != nil || !fi.IsDir() {
			t.Errorf("%s/a/b: %v", dir, err)
		}
		if _, ok := files[dir+"/late"]; !ok {
			t.Errorf("%s has no late file", dir)
		}
		levels := map[string]int{}
		for f := range files {
			if rest, ok := strings.CutPrefix(f, dir+"/"); ok && rest != "late" {
				levels[filepath.Dir(rest)]++
				written++
			}
		}
		n := levels["."] + levels["a"] + levels["a/b"]
		if n < 5 || n > 10 || levels["."] == 0 || levels["a"] == 0 || levels["a/b"] == 0 || len(levels) != 3 {
			t.Errorf("%s holds %v, want 5-10 files over its three levels", dir, levels)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(src, "moves", "tmp*")); len(left) > 0 {
		t.Errorf("temporary directories left behind: %v", left)
	}
	if want := written + tiny().MovedDirs; w.Files != want {
		t.Errorf("Writer counted %d files, the tree holds %d new ones", w.Files, want)
	}
}

// The probe expects each file under its final name: a target that holds
// the final tree resolves every version the workload registered.
func TestDirMovesAreExpectedUnderFinalNames(t *testing.T) {
	sc := byName(t, All(tiny()), DirMoves)
	src, dst, p := setup(t, sc)
	if err := sc.Work(context.Background(), NewWriter(src, p, 1)); err != nil {
		t.Fatal(err)
	}
	if p.Open() == 0 {
		t.Fatal("nothing registered with the probe")
	}
	if out, err := exec.Command("cp", "-a", "--", src+"/.", dst+"/").CombinedOutput(); err != nil {
		t.Fatalf("cp: %v: %s", err, out)
	}
	deadline := time.Now().Add(30 * time.Second)
	for p.Open() > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if open := p.Open(); open > 0 {
		t.Errorf("%d versions still expected after the target got the final tree", open)
	}
}

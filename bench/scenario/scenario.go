package scenario

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Scenario is one workload and what the source (and target) hold before
// it starts.
type Scenario struct {
	Name  string // what -scenarios takes
	Title string // the report's heading
	// Tree names a pre-populated tree every run starts from ("" for none),
	// copied to the target too when OnTarget: a tree already in sync.
	Tree     Tree
	OnTarget bool
	// FromStart: nothing is written; the figure is the time from starting
	// the tool to an identical target (the start-up scenario).
	FromStart bool
	// Floor: time one plain rsync -a of the final tree into an empty
	// module, the least a mirror of this workload can take; the report
	// holds every tool's converge time to a bound derived from it.
	Floor bool
	Work  func(ctx context.Context, w *Writer) error
}

// Names of the scenarios, in report order.
const (
	Rate200     = "rate200"
	Rate200Tree = "rate200-bigtree"
	Rate2000    = "rate2000"
	Burst       = "burst"
	Chains      = "chains"
	Mixed       = "mixed"
	BigFile     = "bigfile"
	Startup     = "startup"
	DirMoves    = "dirmoves"
)

// All returns every scenario at the given sizes, in report order.
func All(s Sizes) []Scenario {
	big := Tree{Name: "tree", Files: s.TreeFiles, Dirs: s.TreeDirs, MinSize: 512, MaxSize: 2048, Link: true}
	mixedStart := Tree{Name: "mixed", Files: s.MixedFiles, Dirs: s.MixedDirs, MinSize: 1 << 10, MaxSize: 16 << 10}
	return []Scenario{
		{Name: Rate200, Title: fmt.Sprintf("200 files/s of 10-100 KB for %s", s.LoadFor),
			Work: steady(200, s.LoadFor, 10<<10, 100<<10)},
		{Name: Rate200Tree, Title: fmt.Sprintf("200 files/s of 10-100 KB for %s into a tree of %d files", s.LoadFor, s.TreeFiles),
			Tree: big, OnTarget: true, Work: steady(200, s.LoadFor, 10<<10, 100<<10)},
		{Name: Rate2000, Title: fmt.Sprintf("2000 files/s of 1-8 KB for %s", s.FastLoadFor),
			Work: steady(2000, s.FastLoadFor, 1<<10, 8<<10)},
		{Name: Burst, Title: fmt.Sprintf("a burst of %d 1 KB files in %d new directories", s.BurstFiles, s.BurstDirs),
			Floor: true, Work: burst(s.BurstFiles, s.BurstDirs)},
		{Name: Chains, Title: fmt.Sprintf("%d new a/b/c/d chains written into at once", s.Chains),
			Work: chains(s.Chains)},
		{Name: Mixed, Title: fmt.Sprintf("mixed: modifies, renames of files and dirs, tree deletes, chmods; %d ops/s for %s on %d files",
			s.MixedOpsPerSec, s.MixedFor, s.MixedFiles),
			Tree: mixedStart, OnTarget: true, Work: mixed(mixedStart, s.MixedOpsPerSec, s.MixedFor)},
		{Name: BigFile, Title: fmt.Sprintf("one %d MB file written in 1 MB chunks", s.BigFileMB),
			Work: bigFile(s.BigFileMB)},
		{Name: Startup, Title: fmt.Sprintf("start-up with %d files in %d directories already present", s.TreeFiles, s.TreeDirs),
			Tree: big, FromStart: true},
		{Name: DirMoves, Title: fmt.Sprintf("%d directories unpacked as tmpN/a/b with 5-10 files of 1-8 KB and renamed to movedN, then a late file into each", s.MovedDirs),
			Tree: movesTree, OnTarget: true, Floor: true, Work: dirMoves(s.MovedDirs)},
	}
}

// Select returns the scenarios named in a comma-separated list, or all of
// them for "" or "all".
func Select(all []Scenario, list string) ([]Scenario, error) {
	if list == "" || list == "all" {
		return all, nil
	}
	var out []Scenario
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		found := false
		for _, s := range all {
			if s.Name == name {
				out, found = append(out, s), true
			}
		}
		if !found {
			var names []string
			for _, s := range all {
				names = append(names, s.Name)
			}
			return nil, fmt.Errorf("unknown scenario %q; want some of %s", name, strings.Join(names, ","))
		}
	}
	return out, nil
}

// perDir is how many files the steady runs put in one new directory, so
// directories keep appearing under load as they do on real servers.
const perDir = 100

func steady(rate int, d time.Duration, lo, hi int) func(context.Context, *Writer) error {
	return func(ctx context.Context, w *Writer) error {
		_, err := pace(ctx, rate, d, func(i int) error {
			dir := fmt.Sprintf("load/d%04d", i/perDir)
			if i%perDir == 0 {
				if err := w.Mkdir(dir); err != nil {
					return err
				}
			}
			return w.Write(fmt.Sprintf("%s/f%06d.dat", dir, i), w.between(lo, hi), 0)
		})
		return err
	}
}

func burst(files, dirs int) func(context.Context, *Writer) error {
	return func(ctx context.Context, w *Writer) error {
		per := max(files/dirs, 1)
		for i := range files {
			dir := fmt.Sprintf("burst/d%04d", i/per)
			if i%per == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
				if err := w.Mkdir(dir); err != nil {
					return err
				}
			}
			if err := w.Write(fmt.Sprintf("%s/f%06d", dir, i), 1<<10, 0); err != nil {
				return err
			}
		}
		return nil
	}
}

// chains makes each a/b/c/d in one mkdir -p and writes a file into every
// level straight away: the race between a new directory's watch and the
// files written into it.
func chains(n int) func(context.Context, *Writer) error {
	return func(ctx context.Context, w *Writer) error {
		for i := range n {
			if err := ctx.Err(); err != nil {
				return err
			}
			root := fmt.Sprintf("chains/c%04d", i)
			if err := w.Mkdir(root + "/a/b/c/d"); err != nil {
				return err
			}
			for _, lvl := range []string{"a/b/c/d", "a/b/c", "a/b", "a"} {
				if err := w.Write(root+"/"+lvl+"/f", 1<<10, 0); err != nil {
					return err
				}
			}
		}
		return nil
	}
}

func bigFile(mb int) func(context.Context, *Writer) error {
	return func(ctx context.Context, w *Writer) error {
		if err := w.Mkdir("big"); err != nil {
			return err
		}
		return w.Write("big/file.bin", mb<<20, 1<<20)
	}
}

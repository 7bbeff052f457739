package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/luasync/luasync/bench/proctree"
	"github.com/luasync/luasync/bench/report"
	"github.com/luasync/luasync/bench/rsyncd"
	"github.com/luasync/luasync/bench/scenario"
	"github.com/luasync/luasync/bench/tool"
	"github.com/luasync/luasync/runtime/direct/treecmp"
)

// bench is one invocation: the tools found, the luasync build, the cached
// trees, and the report being filled in.
type bench struct {
	opts      options
	workDir   string
	bins      tool.Bins
	realRsync string
	sink      string
	trees     map[string]string // tree name -> cache directory holding it
	// prefix starts tools, daemons and the floor's rsync back at normal
	// priority when the harness raised its own.
	prefix []string
	notes  []string // for the report's header
	lock   *os.File // holds the work directory for this run
	rep    report.Report
	stderr io.Writer
}

func runBench(ctx context.Context, opts options, stdout, stderr io.Writer) error {
	b, scenarios, tools, err := setup(opts, stderr)
	if err != nil {
		return err
	}
	total, n := len(scenarios)*len(tools)*opts.runs, 0
	for _, sc := range scenarios {
		for rep := 1; rep <= opts.runs; rep++ {
			floored := false
			for _, name := range inTurn(tools, rep) {
				n++
				if ctx.Err() != nil {
					break
				}
				fmt.Fprintf(stderr, "[%d/%d] %s x %s%s ... ", n, total, sc.Name, name, b.ofRuns(rep))
				began := time.Now()
				res, dir := b.runOne(ctx, sc, name, rep)
				fmt.Fprintf(stderr, "%s [%.0f s]\n", summary(res), time.Since(began).Seconds())
				b.rep.Runs = append(b.rep.Runs, res)
				if sc.Floor && !floored && res.Error == "" && res.Skipped == "" {
					b.rep.Floors, floored = append(b.rep.Floors, b.floor(sc.Name, rep, filepath.Join(dir, "src"))), true
				}
				if !opts.keep {
					os.RemoveAll(dir)
				}
				if _, err := b.rep.Write(opts.out, tool.IsAnchor); err != nil {
					return err
				}
			}
		}
	}
	jsonPath, err := b.rep.Write(opts.out, tool.IsAnchor)
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, b.rep.Markdown(tool.IsAnchor))
	fmt.Fprintf(stderr, "report: %s and %s\n", opts.out, jsonPath)
	return ctx.Err()
}

// inTurn is the tools in the order of run rep: each run starts one tool
// later, so no tool always runs first, after the quiet set-up, or last.
func inTurn(tools []string, rep int) []string {
	k := (rep - 1) % len(tools)
	return append(slices.Clone(tools[k:]), tools[:k]...)
}

// ofRuns is " (run 2/5)" when scenarios run more than once.
func (b *bench) ofRuns(rep int) string {
	if b.opts.runs <= 1 {
		return ""
	}
	return fmt.Sprintf(" (run %d/%d)", rep, b.opts.runs)
}

// setup checks the tools, builds luasync, and builds the cached trees.
func setup(opts options, stderr io.Writer) (*bench, []scenario.Scenario, []string, error) {
	sizes := scenario.Full()
	if opts.quick {
		sizes = scenario.Quick()
	}
	scenarios, err := scenario.Select(scenario.All(sizes), opts.scenarios)
	if err != nil {
		return nil, nil, nil, err
	}
	tools, err := selectTools(opts.tools)
	if err != nil {
		return nil, nil, nil, err
	}
	b := &bench{opts: opts, workDir: opts.workDir, trees: map[string]string{}, stderr: stderr}
	if b.bins, b.realRsync, err = lookTools(tools); err != nil {
		return nil, nil, nil, err
	}
	if err := proctree.SetSubreaper(); err != nil {
		return nil, nil, nil, err
	}
	b.prefix = raisePriority(stderr)
	if b.prefix != nil {
		b.notes = append(b.notes, "The harness (workload writer, target watch) runs at nice -10 so it keeps its pace on a busy box; "+
			"every tool, rsync daemon and the floor's rsync run at nice 0.")
	}
	// Tools get absolute paths under it, whatever the current directory.
	if b.workDir, err = filepath.Abs(b.workDir); err != nil {
		return nil, nil, nil, fmt.Errorf("make work directory %s: %w", opts.workDir, err)
	}
	if err := os.MkdirAll(b.workDir, 0o755); err != nil {
		return nil, nil, nil, fmt.Errorf("make work directory: %w", err)
	}
	if b.lock, err = lockWorkDir(b.workDir); err != nil {
		return nil, nil, nil, err
	}
	fsName, err := checkWorkDir(b.workDir)
	if err != nil {
		return nil, nil, nil, err
	}
	luasyncDesc, err := b.setupLuasync(tools)
	if err != nil {
		return nil, nil, nil, err
	}
	b.rep.Meta = meta(opts, versions(b.bins, b.realRsync, luasyncDesc))
	b.rep.Meta.WorkDir, b.rep.Meta.WorkDirFS = b.workDir, fsName
	b.rep.Meta.Notes = b.notes
	for _, sc := range scenarios {
		b.rep.Scenarios = append(b.rep.Scenarios, report.Scenario{Name: sc.Name, Title: sc.Title, FromStart: sc.FromStart})
		if err := b.buildTree(sc.Tree); err != nil {
			return nil, nil, nil, err
		}
	}
	return b, scenarios, tools, nil
}

// setupLuasync builds (or takes) the luasync binary and picks its sink.
func (b *bench) setupLuasync(tools []string) (string, error) {
	if !slices.Contains(tools, tool.Luasync) {
		return "not run", nil
	}
	bin := b.opts.luasyncBin
	if bin == "" {
		fmt.Fprintln(b.stderr, "building luasync ...")
		var err error
		if bin, err = buildLuasync(b.workDir); err != nil {
			return "", err
		}
	}
	b.bins.Luasync = bin
	sink, why, err := detectSink(bin, b.workDir, b.opts.luasyncSink)
	if err != nil {
		return "", err
	}
	b.sink = sink
	desc := strings.TrimSpace(output("git", "describe", "--always", "--dirty")) + ", " + sink + " sink"
	if why != "" {
		desc += " (" + why + ")"
		fmt.Fprintf(b.stderr, "luasync: using the direct sink: %s\n", why)
	}
	return desc, nil
}

func (b *bench) buildTree(t scenario.Tree) error {
	if t.Name == "" || b.trees[t.Name] != "" {
		return nil
	}
	fmt.Fprintf(b.stderr, "tree %s: %d files in %d directories (built once, cached in %s) ... ", t.Name, t.Files, t.Dirs, filepath.Join(b.workDir, "cache"))
	start := time.Now()
	dir, err := t.Build(filepath.Join(b.workDir, "cache"))
	if err != nil {
		return err
	}
	fmt.Fprintf(b.stderr, "%.1f s\n", time.Since(start).Seconds())
	b.trees[t.Name] = dir
	return nil
}

// floor times one plain rsync -a of src, the final tree of run rep of a
// scenario, into an empty module: what a converge time is compared to.
func (b *bench) floor(name string, rep int, src string) report.Floor {
	f := report.Floor{Scenario: name, Rep: rep, Seconds: report.NaN}
	dir := filepath.Join(b.workDir, "floor")
	mod := filepath.Join(dir, "mod")
	defer os.RemoveAll(dir)
	if err := os.RemoveAll(dir); err != nil {
		f.Error = err.Error()
		return f
	}
	if err := os.MkdirAll(mod, 0o755); err != nil {
		f.Error = err.Error()
		return f
	}
	d, err := rsyncd.Start(b.realRsync, filepath.Join(dir, "daemon"), mod, b.prefix...)
	if err != nil {
		f.Error = err.Error()
		return f
	}
	defer d.Stop()
	start := time.Now()
	argv := append(append([]string{}, b.prefix...), b.realRsync, "-a", "--password-file="+d.PasswordFile, src+"/", d.URL)
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		f.Error = fmt.Sprintf("rsync -a: %v: %s", err, strings.TrimSpace(string(out)))
		return f
	}
	f.Seconds = report.Num(time.Since(start).Seconds())
	diff, err := treecmp.Diff(src, mod)
	f.Identical = err == nil && len(diff) == 0
	f.Files, _ = countFiles(src)
	fmt.Fprintf(b.stderr, "floor of %s: rsync -a of %d files: %.2f s\n", name, f.Files, float64(f.Seconds))
	return f
}

func countFiles(root string) (int, error) {
	n := 0
	err := filepath.WalkDir(root, func(_ string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			n++
		}
		return err
	})
	return n, err
}

func meta(opts options, v map[string]string) report.Meta {
	host, _ := os.Hostname()
	var u unix.Utsname
	_ = unix.Uname(&u)
	return report.Meta{
		Started:  time.Now(),
		Command:  "benchsync " + strings.Join(os.Args[1:], " "),
		Host:     host,
		CPUs:     runtime.NumCPU(),
		Kernel:   unix.ByteSliceToString(u.Release[:]),
		Quick:    opts.quick,
		Runs:     opts.runs,
		Versions: v,
		LoadAvg:  loadAvg(),
	}
}

// loadAvg is /proc/loadavg's three figures.
func loadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(data))
	return strings.Join(f[:min(3, len(f))], " ")
}

// summary is the one-line progress report of a run.
func summary(r report.Run) string {
	switch {
	case r.Skipped != "":
		return "skipped: " + r.Skipped
	case r.Error != "":
		return "FAILED: " + r.Error
	}
	ident := "identical"
	if !r.Identical {
		ident = fmt.Sprintf("NOT identical (%d differences)", len(r.Diff))
	}
	return fmt.Sprintf("p99 %s s, converge %s s, %s rsync runs, CPU %s s, %s",
		fmtNum(r.P99, "%.3f"), fmtNum(r.ConvergeS, "%.2f"), fmtNum(r.RsyncRuns, "%.0f"), fmtNum(r.CPUS, "%.2f"), ident)
}

func fmtNum(n report.Num, format string) string {
	if n.Missing() {
		return "-"
	}
	return fmt.Sprintf(format, float64(n))
}

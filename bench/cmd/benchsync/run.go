package main

import (
	"context"
	"fmt"
	"hash/fnv"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/luasync/luasync/bench/converge"
	"github.com/luasync/luasync/bench/probe"
	"github.com/luasync/luasync/bench/proctree"
	"github.com/luasync/luasync/bench/report"
	"github.com/luasync/luasync/bench/rsyncd"
	"github.com/luasync/luasync/bench/scenario"
	"github.com/luasync/luasync/bench/stats"
	"github.com/luasync/luasync/bench/tool"
	"github.com/luasync/luasync/runtime/direct/treecmp"
	"golang.org/x/sys/unix"
)

// run is one tool on one scenario, in its own directory:
// src/ (the source), mod/ (the daemon's module), bin/rsync (the counting
// wrapper), daemon/ and tool/ (configs and logs).
type run struct {
	b        *bench
	sc       scenario.Scenario
	name     string
	dir      string
	src, mod string
	counter  string
	res      *report.Run

	daemon *rsyncd.Daemon
	probe  *probe.Probe
	proc   *toolProc

	began time.Time // for -v's phase times

	// At readiness: what the start-up sync cost, subtracted from the totals.
	readyCPU, readyRecvCPU, readyOwnCPU time.Duration
	readyRuns                           int
	// converged is the converge check's verdict, reused after the tool
	// stops if the target has not changed since.
	converged converge.Result
}

// runOne runs tool name on sc (its run rep) and returns its record and its
// directory.
func (b *bench) runOne(ctx context.Context, sc scenario.Scenario, name string, rep int) (report.Run, string) {
	base := sc.Name + "-" + name
	if b.opts.runs > 1 {
		base += fmt.Sprintf("-r%d", rep) // -keep keeps every run
	}
	r := &run{b: b, sc: sc, name: name, dir: filepath.Join(b.workDir, "runs", base), began: time.Now()}
	res := report.NewRun(sc.Name, name, b.label(name), rep)
	r.res = &res
	if f, err := strconv.ParseFloat(strings.Fields(loadAvg())[0], 64); err == nil {
		r.res.LoadAvg = report.Num(f)
	}
	if err := r.do(ctx); err != nil {
		r.res.Error = err.Error()
	}
	return *r.res, r.dir
}

// phase logs a finished phase with -v.
func (r *run) phase(what string) {
	if r.b.opts.verbose {
		fmt.Fprintf(r.b.stderr, "\n    %6.2f s  %s", time.Since(r.began).Seconds(), what)
	}
}

func (b *bench) label(name string) string {
	if name == tool.Luasync {
		return fmt.Sprintf("luasync (%s sink)", b.sink)
	}
	return name
}

func (r *run) do(ctx context.Context) (err error) {
	if err := r.prepare(); err != nil {
		return err
	}
	r.phase("prepared")
	if r.daemon, err = rsyncd.Start(r.b.realRsync, filepath.Join(r.dir, "daemon"), r.mod, r.b.prefix...); err != nil {
		return err
	}
	defer r.stopDaemon()
	r.phase("daemon started")
	launch, err := tool.Plan(r.name, r.env())
	if err != nil {
		return err
	}
	if r.sc.FromStart && !launch.StartupSync {
		r.res.Skipped = "it has no start-up sync (the seed's loop syncs only on events), so it never converges here"
		return nil
	}
	for path, content := range launch.Files {
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			return fmt.Errorf("write tool config: %w", err)
		}
	}
	if r.probe, err = probe.Start(r.mod); err != nil {
		return err
	}
	defer r.probe.Stop()
	return r.measure(ctx, launch)
}

// prepare makes the run's directories and copies in the scenario's tree.
func (r *run) prepare() error {
	if err := os.RemoveAll(r.dir); err != nil {
		return fmt.Errorf("clean run directory %s: %w", r.dir, err)
	}
	r.src, r.mod, r.counter = filepath.Join(r.dir, "src"), filepath.Join(r.dir, "mod"), filepath.Join(r.dir, "rsync-runs")
	for _, d := range []string{r.src, r.mod, filepath.Join(r.dir, "bin"), filepath.Join(r.dir, "tool")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("prepare run: %w", err)
		}
	}
	if t := r.sc.Tree; t.Name != "" {
		cache := r.b.trees[t.Name]
		if err := t.CopyTo(cache, r.src); err != nil {
			return err
		}
		if r.sc.OnTarget {
			if err := t.CopyTo(cache, r.mod); err != nil {
				return err
			}
		}
	}
	wrapper := tool.WrapperScript(r.b.realRsync, r.counter)
	if err := os.WriteFile(filepath.Join(r.dir, "bin", "rsync"), []byte(wrapper), 0o755); err != nil {
		return fmt.Errorf("prepare run: %w", err)
	}
	// Write back what the previous run's clean-up and this copy left
	// dirty before the tool starts, or the tool that runs next pays for
	// it. Without this, the first tool of the start-up scenario (after a
	// quiet one) converged in 21-22 s and the next ones, each after a
	// 200,000-file clean-up, in 45-52 s; with it, 45-55 s in any order.
	unix.Sync()
	return nil
}

func (r *run) env() tool.Env {
	e := tool.Env{
		Source:      r.src,
		TargetDir:   r.mod,
		Rsync:       filepath.Join(r.dir, "bin", "rsync"),
		Dir:         filepath.Join(r.dir, "tool"),
		Bins:        r.b.bins,
		LuasyncSink: r.b.sink,
	}
	if r.daemon != nil {
		e.TargetURL, e.PasswordFile = r.daemon.URL, r.daemon.PasswordFile
	}
	return e
}

func (r *run) measure(ctx context.Context, l tool.Launch) error {
	dirs, err := scenario.CountDirs(r.src)
	if err != nil {
		return err
	}
	var present []*probe.Pending
	if r.sc.FromStart {
		present, err = r.expectPresent()
		if err != nil {
			return err
		}
	}
	l.Argv = append(append([]string{}, r.b.prefix...), l.Argv...)
	if r.proc, err = startTool(l, filepath.Join(r.dir, "bin"), filepath.Join(r.dir, "tool", "output.log")); err != nil {
		return err
	}
	defer r.stopTool() // after an error; a finished run has stopped it already
	from := r.proc.started
	for _, p := range present {
		r.probe.Done(p, from)
	}
	if !r.sc.FromStart {
		if from, err = r.readyAndWork(ctx, l, dirs); err != nil {
			return err
		}
	}
	r.phase("workload done")
	lim := converge.Limits{Total: r.b.opts.convergeTimeout, Stall: r.b.opts.stallTimeout}
	conv, err := converge.Wait(ctx, r.src, r.mod, r.probe, lim)
	if err != nil {
		return err
	}
	r.phase("converge check done")
	r.converged = conv
	if conv.Converged {
		r.res.ConvergeS = report.Num(max(conv.At.Sub(from), 0).Seconds())
	} else {
		r.res.Notes = append(r.res.Notes, conv.Why)
	}
	return r.finish()
}

// expectPresent registers every file already in the source (the start-up
// scenario), so the converge check waits for all of them cheaply.
func (r *run) expectPresent() ([]*probe.Pending, error) {
	var out []*probe.Pending
	err := filepath.WalkDir(r.src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(r.src, p)
		out = append(out, r.probe.Expect(filepath.ToSlash(rel), fi.Size()))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list start-up tree: %w", err)
	}
	r.res.Files = len(out)
	return out, nil
}

// readyAndWork waits for the tool's start-up, notes what it cost, and runs
// the workload; it returns the time of the last write.
func (r *run) readyAndWork(ctx context.Context, l tool.Launch, dirs int) (time.Time, error) {
	ready := readiness{dirs: dirs, needRsync: l.StartupRsync, runs: func() int { return countRuns(r.counter) }}
	if err := r.proc.waitReady(ctx, ready, r.b.opts.readyTimeout); err != nil {
		return time.Time{}, err
	}
	r.phase("tool ready")
	r.readyCPU = proctree.CPU(r.proc.tree())
	if p, err := proctree.Read(r.proc.pid); err == nil {
		r.readyOwnCPU = p.SelfCPU
	}
	r.readyRuns = countRuns(r.counter)
	if ps, err := proctree.Tree(r.daemon.Pid()); err == nil {
		r.readyRecvCPU = proctree.CPU(ps)
	}
	w := scenario.NewWriter(r.src, r.probe, r.seed())
	start := time.Now()
	if err := r.sc.Work(ctx, w); err != nil {
		return time.Time{}, fmt.Errorf("workload: %w", err)
	}
	r.res.Files = w.Files
	r.res.WriteS = report.Num(w.Last.Sub(start).Seconds())
	if secs := w.Last.Sub(start).Seconds(); secs >= 0.5 && w.Files >= 10 {
		r.res.Notes = append(r.res.Notes, fmt.Sprintf("wrote %d files in %.1f s (%.0f/s)", w.Files, secs, float64(w.Files)/secs))
	}
	return w.Last, nil
}

// seed is the same for every tool on a scenario: the same workload.
func (r *run) seed() uint64 {
	h := fnv.New64a()
	h.Write([]byte(r.sc.Name))
	return h.Sum64() ^ r.b.opts.seed
}

// finish stops the tool and collects every figure.
func (r *run) finish() error {
	r.res.PeakRSSMB = report.Num(r.proc.peakRSSMB())
	if p, err := proctree.Read(r.proc.pid); err == nil {
		r.res.OwnCPUS = report.Num((p.SelfCPU - r.readyOwnCPU).Seconds())
	}
	cpu, stopErr := r.stopTool()
	r.phase("tool stopped")
	r.res.CPUTotalS = report.Num(cpu.Seconds())
	r.res.CPUS = report.Num((cpu - r.readyCPU).Seconds())
	r.res.RsyncRuns = report.Num(countRuns(r.counter) - r.readyRuns)
	if recv, err := r.stopDaemon(); err == nil {
		r.res.RecvCPUS = report.Num((recv - r.readyRecvCPU).Seconds())
	}
	if r.name == tool.Luasync && r.b.sink == tool.SinkDirect {
		// It writes the module's directory itself: rsync runs and the
		// daemon's CPU are not its figures to compare.
		r.res.RsyncRuns, r.res.RecvCPUS = report.NaN, report.NaN
	}
	lat, open := r.probe.Results()
	if !r.sc.FromStart {
		l := stats.Summarize(stats.Seconds(lat))
		r.res.P50, r.res.P95, r.res.P99, r.res.Max = report.Num(l.P50), report.Num(l.P95), report.Num(l.P99), report.Num(l.Max)
		for _, d := range lat {
			r.res.LatencyMS = append(r.res.LatencyMS, float64(d.Microseconds())/1000)
		}
	}
	r.res.Unarrived = open
	if open > 0 {
		r.res.Notes = append(r.res.Notes, fmt.Sprintf("%d written file versions never arrived in full", open))
	}
	if n := r.probe.Overflows(); n > 0 {
		r.res.Overflows = n
		r.res.Notes = append(r.res.Notes, fmt.Sprintf("the target watch overflowed %d times; arrivals found by its rescan are timed late", n))
	}
	if err := r.compareFinal(); err != nil {
		return err
	}
	return stopErr
}

// compareFinal judges the trees after the tool stopped. If the target has
// not changed since the converge check found it identical, that verdict
// stands (the source stopped changing before it); otherwise it compares
// again in full.
func (r *run) compareFinal() error {
	if n, _ := r.probe.Activity(); r.converged.Converged && n == r.converged.Events {
		r.res.Identical = true
		return nil
	}
	diff, err := treecmp.Diff(r.src, r.mod)
	if err != nil {
		return err
	}
	r.phase("final comparison done")
	r.res.Identical, r.res.Diff = len(diff) == 0, diff[:min(len(diff), 20)]
	if onlySubSecondMtimes(diff) {
		r.res.Notes = append(r.res.Notes, "only sub-second mtimes differ: rsync's quick check compares whole seconds, "+
			"so a file it copied mid-write keeps a stale mtime (--modify-window=-1 would compare nanoseconds)")
	}
	return nil
}

// onlySubSecondMtimes reports whether every difference treecmp found is a
// file mtime that differs only below the second.
func onlySubSecondMtimes(diff []string) bool {
	for _, d := range diff {
		_, times, ok := strings.Cut(d, ": mtime ")
		a, b, ok2 := strings.Cut(times, " != ")
		ta, err1 := time.Parse(time.RFC3339Nano, a)
		tb, err2 := time.Parse(time.RFC3339Nano, b)
		if !ok || !ok2 || err1 != nil || err2 != nil || !ta.Truncate(time.Second).Equal(tb.Truncate(time.Second)) {
			return false
		}
	}
	return len(diff) > 0
}

// stopTool stops the tool once; later calls return zero.
func (r *run) stopTool() (time.Duration, error) {
	if r.proc == nil {
		return 0, nil
	}
	p := r.proc
	r.proc = nil
	cpu, err := p.stop()
	if err != nil {
		return cpu, fmt.Errorf("%s: %w", r.name, err)
	}
	return cpu, nil
}

// stopDaemon stops the daemon once and returns its CPU time, with that of
// any connection process it left behind.
func (r *run) stopDaemon() (time.Duration, error) {
	if r.daemon == nil {
		return 0, fmt.Errorf("daemon already stopped")
	}
	d := r.daemon
	r.daemon = nil
	cpu, err := d.Stop()
	orphans, _ := proctree.ReapOrphans(d.Pid(), nil, 5*time.Second)
	return cpu + orphans, err
}

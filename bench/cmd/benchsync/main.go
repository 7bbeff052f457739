package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/luasync/luasync/bench/scenario"
	"github.com/luasync/luasync/bench/tool"
)

type options struct {
	scenarios, tools, out, workDir string
	runs                           int // each scenario, per tool
	quick, keep, verbose           bool
	convergeTimeout, stallTimeout  time.Duration
	readyTimeout                   time.Duration
	luasyncSink, luasyncBin        string
	seed                           uint64
}

func main() {
	os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
}

func realMain(args []string, stdout, stderr io.Writer) int {
	opts, err := parseFlags(args, stderr)
	if err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		fmt.Fprintf(stderr, "benchsync: %v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := runBench(ctx, opts, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "benchsync: %v\n", err)
		return 1
	}
	return 0
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("benchsync", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.StringVar(&o.scenarios, "scenarios", "all", "comma-separated scenarios: "+strings.Join(scenarioNames(), ","))
	fs.StringVar(&o.tools, "tools", "all", "comma-separated tools: "+strings.Join(tool.All, ","))
	fs.StringVar(&o.out, "out", filepath.Join("bench", "out", "report.md"), "Markdown report path; the JSON goes next to it")
	fs.StringVar(&o.workDir, "workdir", filepath.Join(os.TempDir(), "luasync-bench"), "scratch space: runs, cached trees, the luasync build; on tmpfs (/dev/shm/...) or a disk, not noexec")
	fs.IntVar(&o.runs, "runs", 0, "run each scenario this many times per tool and report the median, min and max (default 3, 1 with -quick)")
	fs.BoolVar(&o.quick, "quick", false, "scaled-down sizes: a smoke run of every scenario")
	fs.BoolVar(&o.keep, "keep", false, "keep each run's directories (source, module, configs, logs) under -workdir")
	fs.BoolVar(&o.verbose, "v", false, "log each run's phases with their times")
	fs.DurationVar(&o.convergeTimeout, "converge-timeout", 5*time.Minute, "give up waiting for a target to match its source after this long")
	fs.DurationVar(&o.stallTimeout, "stall-timeout", 0, "give up earlier when the target has not changed for this long while it still differs (default 1m, 20s with -quick; must exceed lsyncd's 15 s delay)")
	fs.DurationVar(&o.readyTimeout, "ready-timeout", 5*time.Minute, "give up waiting for a tool's start-up sync after this long")
	fs.StringVar(&o.luasyncSink, "luasync-sink", "auto", "luasync's sink: rsync, direct, or auto (rsync when this build accepts default.rsync)")
	fs.StringVar(&o.luasyncBin, "luasync-bin", "", "a luasync binary to use instead of building ./cmd/luasync")
	fs.Uint64Var(&o.seed, "seed", 1, "workload seed; every tool gets the same workload for a given seed")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.stallTimeout == 0 {
		o.stallTimeout = time.Minute
		if o.quick {
			o.stallTimeout = 20 * time.Second
		}
	}
	switch {
	case o.runs < 0:
		return o, fmt.Errorf("-runs %d: want 1 or more", o.runs)
	case o.runs == 0 && o.quick:
		o.runs = 1
	case o.runs == 0:
		o.runs = 3 // the project's rule: the median of at least 3 runs
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	switch o.luasyncSink {
	case "auto", tool.SinkRsync, tool.SinkDirect:
	default:
		return o, fmt.Errorf("-luasync-sink %q: want auto, rsync or direct", o.luasyncSink)
	}
	return o, nil
}

func scenarioNames() []string {
	var out []string
	for _, s := range scenario.All(scenario.Full()) {
		out = append(out, s.Name)
	}
	return out
}

func selectTools(list string) ([]string, error) {
	if list == "" || list == "all" {
		return tool.All, nil
	}
	var out []string
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if _, err := tool.Plan(name, tool.Env{}); err != nil {
			return nil, err
		}
		out = append(out, name)
	}
	return out, nil
}

package report

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func isAnchor(tool string) bool { return tool != "luasync" }

func run(tool string, p99, converge float64, runs int) Run {
	return Run{
		Scenario: "s", Tool: tool, Label: tool, Files: 100, Identical: true,
		P50: Num(p99 / 2), P95: Num(p99), P99: Num(p99), Max: Num(p99 * 2),
		ConvergeS: Num(converge), RsyncRuns: Num(runs), CPUS: 1, OwnCPUS: 0.5, RecvCPUS: 1, PeakRSSMB: 10,
	}
}

// The table a reader sees: one row per tool and luasync over the best
// anchor, column by column.
func TestTableRatioRowUsesBestAnchorPerColumn(t *testing.T) {
	runs := []Run{
		run("luasync", 0.1, 0.5, 10),
		run("lsyncd-default", 2.6, 15, 5),
		run("shell-loop", 0.4, 1, 300),
	}
	shell := runs[2]
	shell.ConvergeS = NaN // did not converge: no converge figure to compare with
	runs[2] = shell
	got := Table(Scenario{Name: "s", Title: "t"}, runs, nil, isAnchor)
	wantLines(t, got,
		"### s: t",
		"| luasync | 100 | 0.050 | 0.100 | 0.100 | 0.200 | 0.50 | 10 | 1.00 | 0.50 | 1.00 | 10.0 | yes |",
		"| shell-loop | 100 | 0.200 | 0.400 | 0.400 | 0.800 | — | 300 |",
		// p99 0.1 / 0.4 (shell loop); converge 0.5 / 15 (the only one
		// with a figure); runs 10 / 5 (lsyncd).
		"| **luasync / best anchor** | | 0.25x | 0.25x | 0.25x | 0.25x | 0.03x | 2.00x | 1.00x | | 1.00x | 1.00x | |",
	)
}

func TestTableMarksFailuresAndSkips(t *testing.T) {
	bad := run("lsyncd-tuned", 1, 1, 1)
	bad.Identical, bad.Diff = false, []string{`"a": missing in b`}
	skipped := Run{Scenario: "s", Tool: "shell-loop", Label: "shell-loop", Skipped: "no start-up sync"}
	got := Table(Scenario{Name: "s", Title: "t", FromStart: true}, []Run{run("luasync", 1, 2, 1), bad, skipped},
		[]Floor{{Scenario: "s", Rep: 1, Files: 10, Seconds: 4, Identical: true}}, isAnchor)
	wantLines(t, got,
		"| luasync | 100 | — | — | — | — | 2.00 |", // start-up: no latencies
		"| **NO** |",
		`lsyncd-tuned: **final trees differ** (1 differences), e.g. "a": missing in b`,
		"shell-loop: not run: no start-up sync",
		"| plain `rsync -a` of the final tree (floor) | 10 | — | — | — | — | 4.00 | — | — | — | — | — | yes |",
		"bound on converge: 1.5 × floor 4.00 s + 0.12 s = 6.12 s",
		"luasync: converge 2.00 s = 0.50x floor, within the bound",
	)
}

// JSON has no NaN: missing figures are null and read back as missing.
func TestJSONWritesMissingAsNull(t *testing.T) {
	r := run("luasync", 0.2, math.NaN(), 3)
	r.LatencyMS = []float64{100, 200}
	rep := &Report{Runs: []Run{r}, Scenarios: []Scenario{{Name: "s", Title: "t"}}}
	md := filepath.Join(t.TempDir(), "out", "report.md")
	jsonPath, err := rep.Write(md, isAnchor)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"converge_s": null`, `"p99": 0.2`, `"latency_ms": [`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("JSON lacks %s:\n%s", want, data)
		}
	}
	var back struct {
		Runs []struct {
			ConvergeS Num `json:"converge_s"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(data, &back); err != nil || !back.Runs[0].ConvergeS.Missing() {
		t.Errorf("read back %+v, %v; want a missing converge figure", back, err)
	}
	if _, err := os.Stat(md); err != nil {
		t.Errorf("no Markdown written: %v", err)
	}
}

// Repeated runs: each cell is the median over a tool's runs, with the min
// and max for p99, converge, rsync runs and CPU; a run without a figure is
// left out and counted; identical says in how many runs; the ratio divides
// medians; the bound is judged run by run against the median floor.
func TestTableOfRepeatedRuns(t *testing.T) {
	var runs []Run
	add := func(tool string, rep int, p99, converge float64, rsyncRuns int, change func(*Run)) {
		r := run(tool, p99, converge, rsyncRuns)
		r.Rep = rep
		if change != nil {
			change(&r)
		}
		runs = append(runs, r)
	}
	add("luasync", 1, 0.1, 0.5, 10, nil)
	add("luasync", 2, 0.3, 0.4, 12, nil)
	add("luasync", 3, 0.2, 0.6, 11, nil)
	add("lsyncd-tuned", 1, 0.4, 1, 5, nil)
	add("lsyncd-tuned", 2, 0.8, math.NaN(), 5, func(r *Run) { r.Identical, r.Diff = false, []string{`"x": missing in b`} })
	add("lsyncd-tuned", 3, 0.6, 3, 5, nil)
	add("shell-loop", 1, 5, 4, 300, nil)
	add("shell-loop", 2, 5, 4, 300, func(r *Run) { r.Error = "boom" })
	floors := []Floor{
		{Scenario: "s", Rep: 1, Files: 10, Seconds: 1, Identical: true},
		{Scenario: "s", Rep: 2, Files: 10, Seconds: 0.8, Identical: true},
		{Scenario: "s", Rep: 3, Files: 10, Seconds: 1.2, Identical: true},
	}
	got := Table(Scenario{Name: "s", Title: "t"}, runs, floors, isAnchor)
	wantLines(t, got,
		"| luasync | 100 | 0.100 | 0.200 | 0.200 (0.100–0.300) | 0.400 | 0.50 (0.40–0.60) | 11 (10–12) | 1.00 (1.00–1.00) | 0.50 | 1.00 | 10.0 | 3/3 |",
		"| lsyncd-tuned | 100 | 0.300 | 0.600 | 0.600 (0.400–0.800) | 1.200 | 2.00 (1.00–3.00; 2 of 3) | 5 (5–5) |",
		"| **2/3** |\n",
		"| shell-loop | 100 | 2.500 | 5.000 | 5.000 | 10.000 | 4.00 | 300 | 1.00 | 0.50 | 1.00 | 10.0 | **1/2** |",
		"| plain `rsync -a` of the final tree (floor) | 10 | — | — | — | — | 1.00 (0.80–1.20) | — | — | — | — | — | 3/3 |",
		// p99 0.2 / 0.6, converge 0.5 / 2.0 (lsyncd-tuned's medians), rsync runs 11 / 5.
		"| **luasync / best anchor** | | 0.33x | 0.33x | 0.33x | 0.33x | 0.25x | 2.20x | 1.00x | | 1.00x | 1.00x | |",
		`lsyncd-tuned, run 2: **final trees differ** (1 differences), e.g. "x": missing in b`,
		"shell-loop, run 2: **failed**: boom",
		"bound on converge: 1.5 × floor 1.00 s (median of 3) + 0.12 s = 1.62 s",
		"luasync: median converge 0.50 s = 0.50x floor, within the bound in 3 of 3 runs",
		"lsyncd-tuned: median converge 2.00 s = 2.00x floor, **within the bound in only 1 of 3 runs**",
		"shell-loop: median converge 4.00 s = 4.00x floor, **within the bound in only 0 of 2 runs**",
	)
}

// A run that did not converge has no converge figure and misses the bound.
func TestBoundMissedWithoutConverging(t *testing.T) {
	r := run("luasync", 0.1, math.NaN(), 1)
	got := Table(Scenario{Name: "s", Title: "t"}, []Run{r}, []Floor{{Scenario: "s", Rep: 1, Files: 1, Seconds: 2, Identical: true}}, isAnchor)
	wantLines(t, got, "luasync: did not converge, **over the bound**")
}

// The header says where the trees were (tmpfs or a disk) and how many runs
// each cell sums up.
func TestMarkdownHeaderSaysWorkDirAndRuns(t *testing.T) {
	rep := &Report{Meta: Meta{Runs: 5, WorkDir: "/dev/shm/lb", WorkDirFS: "tmpfs"}}
	got := rep.Markdown(isAnchor)
	wantLines(t, got, "Sources and modules in /dev/shm/lb (tmpfs).", "each scenario 5 times")
	rep.Meta.Runs = 1
	if got := rep.Markdown(isAnchor); strings.Contains(got, "times, the tools in turn") {
		t.Errorf("one run per scenario, yet the header speaks of medians:\n%s", got)
	}
}

// wantLines fails for each of wants that the report text got lacks.
func wantLines(t *testing.T, got string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks\n%s\n---\n%s", want, got)
		}
	}
}

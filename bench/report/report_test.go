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
	for _, want := range []string{
		"### s: t",
		"| luasync | 100 | 0.050 | 0.100 | 0.100 | 0.200 | 0.50 | 10 | 1.00 | 0.50 | 1.00 | 10.0 | yes |",
		"| shell-loop | 100 | 0.200 | 0.400 | 0.400 | 0.800 | — | 300 |",
		// p99 0.1 / 0.4 (shell loop); converge 0.5 / 15 (the only one
		// with a figure); runs 10 / 5 (lsyncd).
		"| **luasync / best anchor** | | 0.25x | 0.25x | 0.25x | 0.25x | 0.03x | 2.00x | 1.00x | | 1.00x | 1.00x | |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("table lacks\n%s\n---\n%s", want, got)
		}
	}
}

func TestTableMarksFailuresAndSkips(t *testing.T) {
	bad := run("lsyncd-tuned", 1, 1, 1)
	bad.Identical, bad.Diff = false, []string{`"a": missing in b`}
	skipped := Run{Scenario: "s", Tool: "shell-loop", Label: "shell-loop", Skipped: "no start-up sync"}
	got := Table(Scenario{Name: "s", Title: "t", FromStart: true}, []Run{run("luasync", 1, 2, 1), bad, skipped},
		&Floor{Files: 10, Seconds: 4, Identical: true}, isAnchor)
	for _, want := range []string{
		"| luasync | 100 | — | — | — | — | 2.00 |", // start-up: no latencies
		"| **NO** |",
		`lsyncd-tuned: **final trees differ** (1 differences), e.g. "a": missing in b`,
		"shell-loop: not run: no start-up sync",
		"| plain `rsync -a` of the final tree (floor) | 10 | — | — | — | — | 4.00 | — | — | — | — | — | yes |",
		"luasync: converge / floor = 0.50x",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("table lacks\n%s\n---\n%s", want, got)
		}
	}
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

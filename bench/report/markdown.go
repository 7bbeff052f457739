package report

import (
	"fmt"
	"math"
	"strings"

	"github.com/luasync/luasync/bench/stats"
)

// Scenario is a scenario's heading in the report.
type Scenario struct {
	Name      string `json:"name"`
	Title     string `json:"title"`
	FromStart bool   `json:"from_start"` // converge is timed from tool start; no latencies
}

// column is one metric of a table.
type column struct {
	head    string
	value   func(Run) Num
	ratio   bool // lower is better: gets a luasync / best-anchor ratio
	fmt     string
	latency bool // a per-file latency: none for start-up
}

func num(i int) Num { return Num(float64(i)) }

var columns = []column{
	{"files", func(r Run) Num { return num(r.Files) }, false, "%.0f", false},
	{"p50 s", func(r Run) Num { return r.P50 }, true, "%.3f", true},
	{"p95 s", func(r Run) Num { return r.P95 }, true, "%.3f", true},
	{"p99 s", func(r Run) Num { return r.P99 }, true, "%.3f", true},
	{"max s", func(r Run) Num { return r.Max }, true, "%.3f", true},
	{"converge s", func(r Run) Num { return r.ConvergeS }, true, "%.2f", false},
	{"rsync runs", func(r Run) Num { return r.RsyncRuns }, true, "%.0f", false},
	{"CPU s", func(r Run) Num { return r.CPUS }, true, "%.2f", false},
	{"own CPU s", func(r Run) Num { return r.OwnCPUS }, false, "%.2f", false}, // bash's own CPU says nothing
	{"rsyncd CPU s", func(r Run) Num { return r.RecvCPUS }, true, "%.2f", false},
	{"peak RSS MB", func(r Run) Num { return r.PeakRSSMB }, true, "%.1f", false},
}

// Table renders one scenario: a row per run, then the ratio row when
// luasync and at least one anchor ran, then notes.
func Table(sc Scenario, runs []Run, floor *Floor, isAnchor func(tool string) bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### %s: %s\n\n| tool |", sc.Name, sc.Title)
	for _, c := range columns {
		fmt.Fprintf(&b, " %s |", c.head)
	}
	b.WriteString(" identical |\n|---|")
	b.WriteString(strings.Repeat("--:|", len(columns)))
	b.WriteString(":-:|\n")
	for _, r := range runs {
		b.WriteString(row(sc, r))
	}
	if floor != nil {
		b.WriteString(floorRow(floor))
	}
	b.WriteString(ratioRow(sc, runs, isAnchor))
	b.WriteString(notes(runs, floor))
	return b.String()
}

// floorRow shows the plain rsync -a as a row: its time in the converge
// column, its file count, nothing else.
func floorRow(f *Floor) string {
	var b strings.Builder
	b.WriteString("| plain `rsync -a` of the final tree (floor) |")
	for _, c := range columns {
		switch c.head {
		case "files":
			fmt.Fprintf(&b, " %d |", f.Files)
		case "converge s":
			fmt.Fprintf(&b, " %s |", cell(f.Seconds, c.fmt))
		default:
			b.WriteString(" — |")
		}
	}
	fmt.Fprintf(&b, " %s |\n", yesNo(f.Identical))
	return b.String()
}

func row(sc Scenario, r Run) string {
	if r.Skipped != "" || r.Error != "" {
		return fmt.Sprintf("| %s |%s — |\n", r.Label, strings.Repeat(" — |", len(columns)))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "| %s |", r.Label)
	for _, c := range columns {
		v := c.value(r)
		if sc.FromStart && c.latency {
			v = NaN // start-up has no per-file latency
		}
		fmt.Fprintf(&b, " %s |", cell(v, c.fmt))
	}
	fmt.Fprintf(&b, " %s |\n", yesNo(r.Identical))
	return b.String()
}

// ratioRow divides luasync's figure by the best anchor's, per column.
func ratioRow(sc Scenario, runs []Run, isAnchor func(string) bool) string {
	var ours *Run
	var anchors []Run
	for i, r := range runs {
		if r.Skipped != "" || r.Error != "" {
			continue
		}
		if isAnchor(r.Tool) {
			anchors = append(anchors, r)
		} else {
			ours = &runs[i]
		}
	}
	if ours == nil || len(anchors) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "| **%s / best anchor** |", ours.Tool)
	for _, c := range columns {
		if !c.ratio || sc.FromStart && c.latency {
			b.WriteString(" |")
			continue
		}
		var vals []float64
		for _, a := range anchors {
			vals = append(vals, float64(c.value(a)))
		}
		if r, ok := stats.Ratio(float64(c.value(*ours)), vals); ok && math.IsInf(r, 1) {
			b.WriteString(" ∞ |") // the best anchor's figure is zero
		} else if ok {
			fmt.Fprintf(&b, " %.2fx |", r)
		} else {
			b.WriteString(" — |")
		}
	}
	b.WriteString(" |\n")
	return b.String()
}

func notes(runs []Run, floor *Floor) string {
	var lines []string
	for _, r := range runs {
		if r.Skipped != "" {
			lines = append(lines, fmt.Sprintf("%s: not run: %s", r.Label, r.Skipped))
		}
		if r.Error != "" {
			lines = append(lines, fmt.Sprintf("%s: **failed**: %s", r.Label, r.Error))
		}
		for _, n := range r.Notes {
			lines = append(lines, r.Label+": "+n)
		}
		if !r.Identical && r.Skipped == "" && r.Error == "" {
			lines = append(lines, fmt.Sprintf("%s: **final trees differ** (%d differences), e.g. %s", r.Label, len(r.Diff), strings.Join(first(r.Diff, 3), "; ")))
		}
	}
	if floor != nil {
		for _, r := range runs {
			if !isLuasync(r) || r.ConvergeS.Missing() || floor.Seconds.Missing() || floor.Seconds == 0 {
				continue
			}
			lines = append(lines, fmt.Sprintf("%s: converge / floor = %.2fx", r.Label, float64(r.ConvergeS/floor.Seconds)))
		}
		if floor.Error != "" {
			lines = append(lines, "floor: **failed**: "+floor.Error)
		}
	}
	if len(lines) == 0 {
		return "\n"
	}
	return "\n- " + strings.Join(lines, "\n- ") + "\n\n"
}

func isLuasync(r Run) bool { return strings.HasPrefix(r.Tool, "luasync") }

func first(s []string, n int) []string { return s[:min(n, len(s))] }

func cell(v Num, format string) string {
	if v.Missing() {
		return "—"
	}
	return fmt.Sprintf(format, float64(v))
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "**NO**"
}

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
	spread  bool // over repeated runs, shows the min and max beside the median
	fmt     string
	latency bool // a per-file latency: none for start-up
}

func num(i int) Num { return Num(float64(i)) }

var columns = []column{
	{"files", func(r Run) Num { return num(r.Files) }, false, false, "%.0f", false},
	{"p50 s", func(r Run) Num { return r.P50 }, true, false, "%.3f", true},
	{"p95 s", func(r Run) Num { return r.P95 }, true, false, "%.3f", true},
	{"p99 s", func(r Run) Num { return r.P99 }, true, true, "%.3f", true},
	{"max s", func(r Run) Num { return r.Max }, true, false, "%.3f", true},
	{"converge s", func(r Run) Num { return r.ConvergeS }, true, true, "%.2f", false},
	{"rsync runs", func(r Run) Num { return r.RsyncRuns }, true, true, "%.0f", false},
	{"CPU s", func(r Run) Num { return r.CPUS }, true, true, "%.2f", false},
	{"own CPU s", func(r Run) Num { return r.OwnCPUS }, false, false, "%.2f", false}, // bash's own CPU says nothing
	{"rsyncd CPU s", func(r Run) Num { return r.RecvCPUS }, true, false, "%.2f", false},
	{"peak RSS MB", func(r Run) Num { return r.PeakRSSMB }, true, false, "%.1f", false},
}

// toolRuns is one tool's runs of a scenario, in run order: one table row.
type toolRuns struct {
	tool, label string
	all         []Run // skipped and failed runs too
	measured    []Run // the runs that ran to the end
}

// byTool groups runs by tool, in the order the tools first appear.
func byTool(runs []Run) []*toolRuns {
	var out []*toolRuns
	index := map[string]*toolRuns{}
	for _, r := range runs {
		g := index[r.Tool]
		if g == nil {
			g = &toolRuns{tool: r.Tool, label: r.Label}
			index[r.Tool] = g
			out = append(out, g)
		}
		g.all = append(g.all, r)
		if r.Skipped == "" && r.Error == "" {
			g.measured = append(g.measured, r)
		}
	}
	return out
}

// tried is how many runs were not skipped: measured or failed.
func (g *toolRuns) tried() int {
	n := 0
	for _, r := range g.all {
		if r.Skipped == "" {
			n++
		}
	}
	return n
}

// spread is the median, min and max of one column over the measured runs.
func (g *toolRuns) spread(c column) stats.Spread {
	vals := make([]float64, len(g.measured))
	for i, r := range g.measured {
		vals[i] = float64(c.value(r))
	}
	return stats.SpreadOf(vals)
}

// name labels a run in notes: "luasync (rsync sink), run 2" when the tool
// ran more than once.
func (g *toolRuns) name(r Run) string {
	if len(g.all) > 1 {
		return fmt.Sprintf("%s, run %d", r.Label, r.Rep)
	}
	return r.Label
}

// Table renders one scenario: a row per tool (the median of its runs),
// the floor when the scenario has one, the ratio row when luasync and at
// least one anchor ran, then notes.
func Table(sc Scenario, runs []Run, floors []Floor, isAnchor func(tool string) bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### %s: %s\n\n| tool |", sc.Name, sc.Title)
	for _, c := range columns {
		fmt.Fprintf(&b, " %s |", c.head)
	}
	b.WriteString(" identical |\n|---|")
	b.WriteString(strings.Repeat("--:|", len(columns)))
	b.WriteString(":-:|\n")
	groups := byTool(runs)
	for _, g := range groups {
		b.WriteString(row(sc, g))
	}
	if len(floors) > 0 {
		b.WriteString(floorRow(floors))
	}
	b.WriteString(ratioRow(sc, groups, isAnchor))
	b.WriteString(notes(groups, floors))
	return b.String()
}

func row(sc Scenario, g *toolRuns) string {
	if len(g.measured) == 0 {
		return fmt.Sprintf("| %s |%s — |\n", g.label, strings.Repeat(" — |", len(columns)))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "| %s |", g.label)
	for _, c := range columns {
		if sc.FromStart && c.latency {
			b.WriteString(" — |") // start-up has no per-file latency
			continue
		}
		fmt.Fprintf(&b, " %s |", spreadCell(g.spread(c), len(g.measured), c))
	}
	fmt.Fprintf(&b, " %s |\n", identicalCell(g))
	return b.String()
}

// spreadCell is the median of runs runs, and for a spread column with
// several runs the min and max, and how many had a figure if not all.
func spreadCell(s stats.Spread, runs int, c column) string {
	if s.N == 0 {
		return "—"
	}
	med := fmt.Sprintf(c.fmt, s.Median)
	if runs <= 1 || !c.spread {
		return med
	}
	out := fmt.Sprintf("%s (%s–%s", med, fmt.Sprintf(c.fmt, s.Min), fmt.Sprintf(c.fmt, s.Max))
	if s.N < runs {
		out += fmt.Sprintf("; %d of %d", s.N, runs)
	}
	return out + ")"
}

// identicalCell says whether the final trees matched, in how many of the
// runs that were not skipped: a failed run counts as not identical.
func identicalCell(g *toolRuns) string {
	same := 0
	for _, r := range g.measured {
		if r.Identical {
			same++
		}
	}
	return countCell(same, g.tried())
}

// countCell is yes or NO for one run, and "k/n" for several, in bold
// unless all n.
func countCell(yes, of int) string {
	switch {
	case of == 1:
		return yesNo(yes == 1)
	case yes == of:
		return fmt.Sprintf("%d/%d", yes, of)
	}
	return fmt.Sprintf("**%d/%d**", yes, of)
}

// ratioRow divides luasync's median by the best anchor's, per column.
func ratioRow(sc Scenario, groups []*toolRuns, isAnchor func(string) bool) string {
	var ours *toolRuns
	var anchors []*toolRuns
	for _, g := range groups {
		switch {
		case len(g.measured) == 0:
		case isAnchor(g.tool):
			anchors = append(anchors, g)
		default:
			ours = g
		}
	}
	if ours == nil || len(anchors) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "| **%s / best anchor** |", ours.tool)
	for _, c := range columns {
		if !c.ratio || sc.FromStart && c.latency {
			b.WriteString(" |")
			continue
		}
		var vals []float64
		for _, a := range anchors {
			vals = append(vals, a.spread(c).Median)
		}
		if r, ok := stats.Ratio(ours.spread(c).Median, vals); ok && math.IsInf(r, 1) {
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

func notes(groups []*toolRuns, floors []Floor) string {
	var lines []string
	for _, g := range groups {
		for _, r := range g.all {
			lines = append(lines, runNotes(g.name(r), r)...)
		}
	}
	lines = append(lines, boundNotes(groups, floors)...)
	if len(lines) == 0 {
		return "\n"
	}
	return "\n- " + strings.Join(lines, "\n- ") + "\n\n"
}

func runNotes(name string, r Run) []string {
	var lines []string
	if r.Skipped != "" {
		lines = append(lines, fmt.Sprintf("%s: not run: %s", name, r.Skipped))
	}
	if r.Error != "" {
		lines = append(lines, fmt.Sprintf("%s: **failed**: %s", name, r.Error))
	}
	for _, n := range r.Notes {
		lines = append(lines, name+": "+n)
	}
	if !r.Identical && r.Skipped == "" && r.Error == "" {
		lines = append(lines, fmt.Sprintf("%s: **final trees differ** (%d differences), e.g. %s", name, len(r.Diff), strings.Join(first(r.Diff, 3), "; ")))
	}
	return lines
}

func first(s []string, n int) []string { return s[:min(n, len(s))] }

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "**NO**"
}

package report

import (
	"fmt"
	"strings"

	"github.com/luasync/luasync/bench/stats"
)

// Issue 8's bound on a converge time: BoundFactor times the floor, plus
// BoundSlackS, one batchInterval of luasync's (the longest it holds a
// batch back to fill it).
const (
	BoundFactor = 1.5
	BoundSlackS = 0.12
)

// Bound is the converge time a tool must stay within, given the floor.
func Bound(floorS float64) float64 { return BoundFactor*floorS + BoundSlackS }

// floorRow shows the plain rsync -a as a row: its time in the converge
// column, its file count, nothing else.
func floorRow(floors []Floor) string {
	var b strings.Builder
	b.WriteString("| plain `rsync -a` of the final tree (floor) |")
	s, files, same := floorSpread(floors), 0, 0
	for _, f := range floors {
		if files == 0 && f.Error == "" {
			files = f.Files
		}
		if f.Identical {
			same++
		}
	}
	for _, c := range columns {
		switch c.head {
		case "files":
			fmt.Fprintf(&b, " %d |", files)
		case "converge s":
			fmt.Fprintf(&b, " %s |", spreadCell(s, len(floors), c))
		default:
			b.WriteString(" — |")
		}
	}
	fmt.Fprintf(&b, " %s |\n", countCell(same, len(floors)))
	return b.String()
}

func floorSpread(floors []Floor) stats.Spread {
	secs := make([]float64, len(floors))
	for i, f := range floors {
		secs[i] = float64(f.Seconds)
	}
	return stats.SpreadOf(secs)
}

// boundNotes states the bound and, per tool, its converge time as a
// multiple of the floor and whether it stayed within the bound (in how
// many runs, when there were several; a run that failed or did not
// converge did not).
func boundNotes(groups []*toolRuns, floors []Floor) []string {
	var lines []string
	for _, f := range floors {
		if f.Error != "" {
			lines = append(lines, fmt.Sprintf("floor of run %d: **failed**: %s", f.Rep, f.Error))
		}
	}
	fs := floorSpread(floors)
	if fs.N == 0 || fs.Median <= 0 {
		return lines
	}
	floor := fmt.Sprintf("floor %.2f s", fs.Median)
	if fs.N > 1 {
		floor += fmt.Sprintf(" (median of %d)", fs.N)
	}
	bound := Bound(fs.Median)
	lines = append(lines, fmt.Sprintf("bound on converge: %.1f × %s + %.2f s = %.2f s", BoundFactor, floor, BoundSlackS, bound))
	for _, g := range groups {
		if len(g.measured) == 0 {
			continue
		}
		lines = append(lines, g.label+": "+boundVerdict(g, fs.Median, bound))
	}
	return lines
}

func boundVerdict(g *toolRuns, floorS, bound float64) string {
	met := 0
	for _, r := range g.measured {
		if !r.ConvergeS.Missing() && float64(r.ConvergeS) <= bound {
			met++
		}
	}
	tried := g.tried()
	figure := "did not converge"
	if conv := g.spread(convergeColumn()); conv.N > 0 {
		what := "converge"
		if tried > 1 {
			what = "median converge"
		}
		figure = fmt.Sprintf("%s %.2f s = %.2fx floor", what, conv.Median, conv.Median/floorS)
	}
	switch {
	case tried == 1 && met == 1:
		return figure + ", within the bound"
	case tried == 1:
		return figure + ", **over the bound**"
	case met == tried:
		return fmt.Sprintf("%s, within the bound in %d of %d runs", figure, met, tried)
	}
	return fmt.Sprintf("%s, **within the bound in only %d of %d runs**", figure, met, tried)
}

func convergeColumn() column {
	for _, c := range columns {
		if c.head == "converge s" {
			return c
		}
	}
	panic("report: no converge column")
}

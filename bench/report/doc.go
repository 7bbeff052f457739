// Package report turns the sync benchmark's measurements into what people
// read: one Markdown table per scenario (a row per tool, a column per
// metric, and a luasync / best-anchor ratio row), and a JSON file with the
// raw numbers, per-file latencies included. When each tool ran a scenario
// several times, a row shows the median of its runs with the min and max
// of the main figures, and the ratio row divides medians. A scenario with
// a floor (one plain rsync -a of its final tree) gets that row too, and
// notes that hold each tool's converge time to issue 8's bound, 1.5 x the
// floor + 0.12 s.
//
// It holds the Run record every other part fills in; package stats does
// the arithmetic.
package report

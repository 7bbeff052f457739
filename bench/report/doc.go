// Package report turns the sync benchmark's measurements into what people
// read: one Markdown table per scenario (a row per tool, a column per
// metric, and a luasync / best-anchor ratio row), and a JSON file with the
// raw numbers, per-file latencies included.
//
// It holds the Run record every other part fills in; package stats does
// the arithmetic.
package report

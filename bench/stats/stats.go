package stats

import (
	"math"
	"slices"
	"time"
)

// Latency summarises one run's per-file latencies, in seconds.
type Latency struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50_s"`
	P95 float64 `json:"p95_s"`
	P99 float64 `json:"p99_s"`
	Max float64 `json:"max_s"`
}

// Percentile returns the nearest-rank p-th percentile (0 < p <= 100) of
// sorted, which must be in ascending order: the smallest sample such that at
// least p percent of the samples are no larger. It is NaN for no samples.
// Nearest rank rather than interpolation because a p99 should be a latency
// some file really had, not a blend of two.
func Percentile(sorted []float64, p float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
	rank := int(math.Ceil(p / 100 * float64(n)))
	rank = min(max(rank, 1), n)
	return sorted[rank-1]
}

// Summarize sorts a copy of samples (seconds) and returns its percentiles;
// every field but N is NaN when there are no samples.
func Summarize(samples []float64) Latency {
	s := slices.Clone(samples)
	slices.Sort(s)
	l := Latency{N: len(s), P50: Percentile(s, 50), P95: Percentile(s, 95), P99: Percentile(s, 99), Max: math.NaN()}
	if len(s) > 0 {
		l.Max = s[len(s)-1]
	}
	return l
}

// Seconds converts durations to float seconds, the unit Summarize takes.
func Seconds(ds []time.Duration) []float64 {
	out := make([]float64, len(ds))
	for i, d := range ds {
		out[i] = d.Seconds()
	}
	return out
}

// Ratio divides ours by the best (smallest) of the anchors' values, for
// metrics where lower is better. NaN anchors (not measured, did not
// converge) are left out; ok is false when ours is NaN or no anchor has a
// value. A best of zero gives +Inf, or 1 when ours is zero too.
func Ratio(ours float64, anchors []float64) (ratio float64, ok bool) {
	best := math.NaN()
	for _, a := range anchors {
		if !math.IsNaN(a) && (math.IsNaN(best) || a < best) {
			best = a
		}
	}
	if math.IsNaN(ours) || math.IsNaN(best) {
		return math.NaN(), false
	}
	switch {
	case best == 0 && ours == 0:
		return 1, true
	case best == 0:
		return math.Inf(1), true
	}
	return ours / best, true
}

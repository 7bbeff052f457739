package stats

import (
	"math"
	"slices"
)

// Spread is one metric over repeated runs of a scenario: the median the
// report compares, and the min and max that show how far runs disagree.
type Spread struct {
	N      int // runs that have a value
	Median float64
	Min    float64
	Max    float64
}

// SpreadOf returns the median, min and max of values, leaving out the
// missing ones (NaN: not measured, did not converge), so N may be less
// than len(values); the figures are NaN when no value is left. The median
// of an even count is the mean of the middle two: with two runs, neither
// run alone is the middle one.
func SpreadOf(values []float64) Spread {
	var s []float64
	for _, v := range values {
		if !math.IsNaN(v) {
			s = append(s, v)
		}
	}
	n := len(s)
	if n == 0 {
		return Spread{Median: math.NaN(), Min: math.NaN(), Max: math.NaN()}
	}
	slices.Sort(s)
	median := s[n/2]
	if n%2 == 0 {
		median = (s[n/2-1] + s[n/2]) / 2
	}
	return Spread{N: n, Median: median, Min: s[0], Max: s[n-1]}
}

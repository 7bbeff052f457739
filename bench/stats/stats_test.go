package stats

import (
	"math"
	"testing"
	"time"
)

// The report's numbers: nearest-rank percentiles of what was measured, and
// luasync divided by the best anchor that has a value.
func TestPercentileIsNearestRank(t *testing.T) {
	hundred := make([]float64, 100)
	for i := range hundred {
		hundred[i] = float64(i + 1) // 1..100
	}
	tests := []struct {
		name   string
		sorted []float64
		p      float64
		want   float64
	}{
		{"p50 of 1..100", hundred, 50, 50},
		{"p95 of 1..100", hundred, 95, 95},
		{"p99 of 1..100", hundred, 99, 99},
		{"p100 is the max", hundred, 100, 100},
		{"one sample is every percentile", []float64{7}, 1, 7},
		{"p99 of ten samples is the largest", []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 99, 10},
		{"p50 of four picks the second, no interpolation", []float64{1, 2, 3, 40}, 50, 2},
		{"tiny p still picks the first", []float64{3, 4}, 0.001, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("Percentile(%v, %v) = %v, want %v", tt.sorted, tt.p, got, tt.want)
			}
		})
	}
	if got := Percentile(nil, 50); !math.IsNaN(got) {
		t.Errorf("Percentile(nil) = %v, want NaN", got)
	}
}

func TestSummarizeSortsACopy(t *testing.T) {
	in := []float64{0.3, 0.1, 0.2, 5}
	got := Summarize(in)
	want := Latency{N: 4, P50: 0.2, P95: 5, P99: 5, Max: 5}
	if got != want {
		t.Errorf("Summarize = %+v, want %+v", got, want)
	}
	if in[0] != 0.3 {
		t.Errorf("Summarize reordered its input: %v", in)
	}
	empty := Summarize(nil)
	if empty.N != 0 || !math.IsNaN(empty.P50) || !math.IsNaN(empty.Max) {
		t.Errorf("Summarize(nil) = %+v, want N 0 and NaN figures", empty)
	}
}

func TestSeconds(t *testing.T) {
	got := Seconds([]time.Duration{1500 * time.Millisecond, 0})
	if len(got) != 2 || got[0] != 1.5 || got[1] != 0 {
		t.Errorf("Seconds = %v, want [1.5 0]", got)
	}
}

func TestRatioAgainstBestAnchor(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name    string
		ours    float64
		anchors []float64
		want    float64
		ok      bool
	}{
		{"best is the smallest anchor", 1, []float64{4, 2, 8}, 0.5, true},
		{"worse than the best", 3, []float64{2, 10}, 1.5, true},
		{"anchors without a value are skipped", 1, []float64{nan, 4}, 0.25, true},
		{"no anchor value", 1, []float64{nan, nan}, nan, false},
		{"no anchors", 1, nil, nan, false},
		{"ours missing", nan, []float64{1}, nan, false},
		{"both zero", 0, []float64{0, 3}, 1, true},
		{"best zero, ours not", 2, []float64{0}, math.Inf(1), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Ratio(tt.ours, tt.anchors)
			if ok != tt.ok || !(got == tt.want || math.IsNaN(got) && math.IsNaN(tt.want)) {
				t.Errorf("Ratio(%v, %v) = %v, %v; want %v, %v", tt.ours, tt.anchors, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// Repeated runs are summed up by their median, min and max; a run without
// a figure (it did not converge) is left out and shows in N.
func TestSpreadOfRuns(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name   string
		values []float64
		want   Spread
	}{
		{"one run is its own median, min and max", []float64{1.5}, Spread{1, 1.5, 1.5, 1.5}},
		{"odd count: the middle run", []float64{3, 1, 2, 9, 4}, Spread{5, 3, 1, 9}},
		{"even count: the mean of the middle two", []float64{4, 1, 3, 2}, Spread{4, 2.5, 1, 4}},
		{"missing figures are left out", []float64{nan, 2, 8, nan, 5}, Spread{3, 5, 2, 8}},
		{"infinity counts as a figure", []float64{1, math.Inf(1), 2}, Spread{3, 2, 1, math.Inf(1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SpreadOf(tt.values); got != tt.want {
				t.Errorf("SpreadOf(%v) = %+v, want %+v", tt.values, got, tt.want)
			}
		})
	}
	for _, values := range [][]float64{nil, {nan, nan}} {
		got := SpreadOf(values)
		if got.N != 0 || !math.IsNaN(got.Median) || !math.IsNaN(got.Min) || !math.IsNaN(got.Max) {
			t.Errorf("SpreadOf(%v) = %+v, want N 0 and NaN figures", values, got)
		}
	}
}

func TestSpreadOfLeavesInputAlone(t *testing.T) {
	in := []float64{3, 1, 2}
	SpreadOf(in)
	if in[0] != 3 || in[1] != 1 || in[2] != 2 {
		t.Errorf("SpreadOf reordered its input: %v", in)
	}
}

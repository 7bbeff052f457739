package report

import (
	"encoding/json"
	"math"
	"strconv"
)

// Num is a measurement that may be missing (NaN): JSON null, "—" in tables.
type Num float64

// NaN is the missing measurement.
var NaN = Num(math.NaN())

// Missing reports whether n was not measured.
func (n Num) Missing() bool { return math.IsNaN(float64(n)) }

// MarshalJSON writes null for a missing (or infinite) value, which JSON
// cannot represent.
func (n Num) MarshalJSON() ([]byte, error) {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 64), nil
}

// UnmarshalJSON reads null back as missing.
func (n *Num) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*n = NaN
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*n = Num(f)
	return nil
}

// Run is one tool on one scenario.
type Run struct {
	Scenario string `json:"scenario"`
	Tool     string `json:"tool"`
	// Rep numbers the repeated runs of one scenario and tool, from 1.
	Rep int `json:"rep"`
	// Label names the tool in tables ("luasync (rsync sink)").
	Label string `json:"label"`
	// Skipped says why the run did not happen ("" if it did).
	Skipped string `json:"skipped,omitempty"`
	Error   string `json:"error,omitempty"`

	Files     int      `json:"files"`      // file versions written (or present, at start-up)
	WriteS    Num      `json:"write_s"`    // how long the workload took
	P50, P95  Num      `json:"-"`          // latency, seconds (in Latency below for JSON)
	P99, Max  Num      `json:"-"`          //
	Unarrived int      `json:"unarrived"`  // expected versions never seen on the target
	Overflows int      `json:"overflows"`  // inotify queue overflows of the target watch
	ConvergeS Num      `json:"converge_s"` // last write (or tool start) to identical target
	Identical bool     `json:"identical"`  // the final trees, compared after the tool stopped
	Diff      []string `json:"diff,omitempty"`
	RsyncRuns Num      `json:"rsync_runs"` // missing for a sink that runs no rsync
	CPUS      Num      `json:"cpu_s"`      // the tool and its children, during the scenario
	CPUTotalS Num      `json:"cpu_total_s"`
	OwnCPUS   Num      `json:"own_cpu_s"`    // the tool's main process alone, during the scenario  // ... including its start-up
	RecvCPUS  Num      `json:"rsyncd_cpu_s"` // the receiving rsync daemon, during the scenario
	PeakRSSMB Num      `json:"peak_rss_mb"`  // VmHWM of the tool's processes, rsync runs excluded
	Notes     []string `json:"notes,omitempty"`
	// LoadAvg is /proc/loadavg's 1-minute figure when the run started:
	// on a shared machine, other work skews every figure.
	LoadAvg Num `json:"loadavg_1m"`
	// LatencyMS is every per-file latency, in milliseconds.
	LatencyMS []float64 `json:"latency_ms,omitempty"`
}

// MarshalJSON writes the latency percentiles as one object.
func (r Run) MarshalJSON() ([]byte, error) {
	type plain Run // no MarshalJSON: no recursion
	return json.Marshal(struct {
		plain
		Latency map[string]Num `json:"latency_s"`
	}{plain(r), map[string]Num{"p50": r.P50, "p95": r.P95, "p99": r.P99, "max": r.Max}})
}

// NewRun returns a Run with every figure missing until it is measured.
func NewRun(scenario, tool, label string, rep int) Run {
	return Run{
		Scenario: scenario, Tool: tool, Label: label, Rep: rep,
		WriteS: NaN, P50: NaN, P95: NaN, P99: NaN, Max: NaN, ConvergeS: NaN, RsyncRuns: NaN,
		CPUS: NaN, CPUTotalS: NaN, OwnCPUS: NaN, RecvCPUS: NaN, PeakRSSMB: NaN, LoadAvg: NaN,
	}
}

// Floor is one plain `rsync -a` of a scenario's final tree into an empty
// module: the least time a mirror of that workload can take.
type Floor struct {
	Scenario  string `json:"scenario"`
	Rep       int    `json:"rep"` // the run of the scenario whose final tree it copied
	Files     int    `json:"files"`
	Seconds   Num    `json:"seconds"`
	Identical bool   `json:"identical"`
	Error     string `json:"error,omitempty"`
}

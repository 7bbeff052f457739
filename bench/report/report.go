package report

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Meta says where and how the benchmark ran.
type Meta struct {
	Started  time.Time         `json:"started"`
	Command  string            `json:"command"`
	Host     string            `json:"host"`
	CPUs     int               `json:"cpus"`
	Kernel   string            `json:"kernel"`
	Quick    bool              `json:"quick"`
	Versions map[string]string `json:"versions"`
	LoadAvg  string            `json:"loadavg"` // /proc/loadavg at the start
	Notes    []string          `json:"notes,omitempty"`
}

// Report is a whole benchmark run.
type Report struct {
	Meta      Meta       `json:"meta"`
	Scenarios []Scenario `json:"scenarios"`
	Runs      []Run      `json:"runs"`
	// Floor is the plain rsync -a of the burst's final tree, shown in
	// the scenario named FloorScenario.
	Floor         *Floor `json:"floor,omitempty"`
	FloorScenario string `json:"floor_scenario,omitempty"`
}

// Markdown renders the whole report.
func (r *Report) Markdown(isAnchor func(tool string) bool) string {
	var b strings.Builder
	m := r.Meta
	fmt.Fprintf(&b, "## luasync sync benchmark, %s\n\n", m.Started.Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "`%s` on %s (%d CPUs, Linux %s)", m.Command, m.Host, m.CPUs, m.Kernel)
	if m.Quick {
		b.WriteString(", **quick sizes** (a smoke run, not the issue's figures)")
	}
	fmt.Fprintf(&b, "; load average at the start: %s.\n\n", m.LoadAvg)
	for _, n := range m.Notes {
		fmt.Fprintf(&b, "%s\n\n", n)
	}
	for _, k := range slices.Sorted(maps.Keys(m.Versions)) {
		fmt.Fprintf(&b, "- %s: %s\n", k, m.Versions[k])
	}
	b.WriteString("\nLatency: a file's close() to its full size on the target. Converge: the last write (start-up: the tool's start) " +
		"to the moment the target last changed before it was identical. CPU and rsync runs: during the scenario, start-up sync excluded " +
		"(start-up scenario: everything). Ratios: luasync divided by the best anchor, lower is better.\n\n")
	for _, sc := range r.Scenarios {
		var runs []Run
		for _, run := range r.Runs {
			if run.Scenario == sc.Name {
				runs = append(runs, run)
			}
		}
		var floor *Floor
		if sc.Name == r.FloorScenario {
			floor = r.Floor
		}
		b.WriteString(Table(sc, runs, floor, isAnchor))
	}
	return b.String()
}

// Write saves the Markdown at mdPath and the JSON next to it (same name,
// .json), creating the directory.
func (r *Report) Write(mdPath string, isAnchor func(string) bool) (jsonPath string, err error) {
	if err := os.MkdirAll(filepath.Dir(mdPath), 0o755); err != nil {
		return "", fmt.Errorf("write report %s: %w", mdPath, err)
	}
	if err := os.WriteFile(mdPath, []byte(r.Markdown(isAnchor)), 0o644); err != nil {
		return "", fmt.Errorf("write report %s: %w", mdPath, err)
	}
	jsonPath = strings.TrimSuffix(mdPath, filepath.Ext(mdPath)) + ".json"
	data, err := json.MarshalIndent(r, "", " ")
	if err != nil {
		return "", fmt.Errorf("write report %s: %w", jsonPath, err)
	}
	if err := os.WriteFile(jsonPath, data, 0o644); err != nil {
		return "", fmt.Errorf("write report %s: %w", jsonPath, err)
	}
	return jsonPath, nil
}

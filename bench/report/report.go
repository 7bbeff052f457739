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
	// Runs is how many times each tool ran each scenario.
	Runs int `json:"runs"`
	// WorkDir holds the sources and modules; WorkDirFS is its file system
	// (tmpfs or a disk's), which decides the heavy scenarios.
	WorkDir   string   `json:"workdir"`
	WorkDirFS string   `json:"workdir_fs"`
	Notes     []string `json:"notes,omitempty"`
}

// Report is a whole benchmark run.
type Report struct {
	Meta      Meta       `json:"meta"`
	Scenarios []Scenario `json:"scenarios"`
	Runs      []Run      `json:"runs"`
	// Floors are the plain rsync -a runs of the final trees of the
	// scenarios that have a floor, one per repeated run.
	Floors []Floor `json:"floors,omitempty"`
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
	var setup []string
	if m.WorkDir != "" {
		setup = append(setup, fmt.Sprintf("Sources and modules in %s (%s).", m.WorkDir, m.WorkDirFS))
	}
	if m.Runs > 1 {
		setup = append(setup, fmt.Sprintf("Each tool ran each scenario %d times, the tools in turn; a cell is the median, "+
			"with the min and max in brackets for p99, converge, rsync runs and CPU, and ratios divide medians.", m.Runs))
	}
	if len(setup) > 0 {
		fmt.Fprintf(&b, "%s\n\n", strings.Join(setup, " "))
	}
	for _, n := range m.Notes {
		fmt.Fprintf(&b, "%s\n\n", n)
	}
	for _, k := range slices.Sorted(maps.Keys(m.Versions)) {
		fmt.Fprintf(&b, "- %s: %s\n", k, m.Versions[k])
	}
	b.WriteString("\nLatency: a file's close() to its full size on the target. Converge: the last write (start-up: the tool's start) " +
		"to the moment the target last changed before it was identical. CPU and rsync runs: during the scenario, start-up sync excluded " +
		"(start-up scenario: everything). Ratios: luasync divided by the best anchor, lower is better.")
	fmt.Fprintf(&b, " Floor, where a scenario has one: one plain `rsync -a` of its final tree into an empty module; "+
		"a tool is within the bound when it converges within %.1f × floor + %.2f s.\n\n", BoundFactor, BoundSlackS)
	for _, sc := range r.Scenarios {
		var runs []Run
		for _, run := range r.Runs {
			if run.Scenario == sc.Name {
				runs = append(runs, run)
			}
		}
		var floors []Floor
		for _, f := range r.Floors {
			if f.Scenario == sc.Name {
				floors = append(floors, f)
			}
		}
		b.WriteString(Table(sc, runs, floors, isAnchor))
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

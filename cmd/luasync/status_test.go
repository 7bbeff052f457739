package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestStatusFile: settings.statusFile is rewritten every statusInterval
// with each target's counts, and once more at exit with the final ones.
func TestStatusFile(t *testing.T) {
	root := t.TempDir()
	src, dst := filepath.Join(root, "src"), filepath.Join(root, "dst")
	must(t, os.Mkdir(src, 0o755))
	status := filepath.Join(root, "status.txt")
	cfg := writeConfig(t, root, fmt.Sprintf(`
settings { failLog = %q, statusFile = %q, statusInterval = 0.1 }
sync { default.direct, name = "www", source = %q, target = %q, delay = 0.05 }
`, filepath.Join(root, "fail.log"), status, src, dst))
	p := startRunning(t, cfg)
	for i := range 5 {
		writeFile(t, filepath.Join(src, fmt.Sprintf("f%d", i)), "x")
	}
	waitIdentical(t, src, dst)
	// The startup sync plus five files: at least 6 events applied.
	waitFor(t, "the status file to count the applied events", func() (bool, string) {
		b, _ := os.ReadFile(status)
		s := string(b)
		return strings.Contains(s, "sync www: source "+src+", watching 1 directories") &&
			strings.Contains(s, "pending 0, in flight 0") && !strings.Contains(s, "applied 0,"), s
	})
	if code, _ := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}
	b, err := os.ReadFile(status)
	must(t, err)
	n := 0
	if m := regexp.MustCompile(`applied (\d+),`).FindSubmatch(b); m != nil {
		n, _ = strconv.Atoi(string(m[1]))
	}
	if n < 6 {
		t.Errorf("final status file counts fewer than 6 applied events (the startup sync and 5 files):\n%s", b)
	}
	if m, _ := filepath.Glob(filepath.Join(root, ".status.txt.*")); len(m) > 0 {
		t.Errorf("temporary status files left behind: %v", m)
	}
}

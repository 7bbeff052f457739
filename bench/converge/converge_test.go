package converge

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeTarget stands in for the target watch: the trees are real, only
// the event count is scripted.
type fakeTarget struct {
	mu   sync.Mutex
	open int
	n    uint64
	last time.Time
}

func (f *fakeTarget) Open() int { f.mu.Lock(); defer f.mu.Unlock(); return f.open }
func (f *fakeTarget) Activity() (uint64, time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n, f.last
}

// Wait's verdicts: identical trees converge at the target's last change;
// different ones, or files still expected, do not.
func TestWait(t *testing.T) {
	lastChange := time.Now().Add(-time.Second)
	tests := []struct {
		name   string
		mutate func(t *testing.T, dst string)
		open   int
		want   bool
	}{
		{"identical", func(*testing.T, string) {}, 0, true},
		{"a file missing", func(t *testing.T, dst string) { rm(t, dst, "d/f") }, 0, false},
		{"an extra file", func(t *testing.T, dst string) { put(t, dst, "d/extra", "x") }, 0, false},
		{"a mode differs", func(t *testing.T, dst string) { chmod(t, dst, "d/f", 0o600) }, 0, false},
		{"same size, other content", func(t *testing.T, dst string) { put(t, dst, "d/f", "HELLO"); sameTime(t, dst, "d/f") }, 0, false},
		{"files still expected", func(*testing.T, string) {}, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, dst := t.TempDir(), t.TempDir()
			put(t, src, "d/f", "hello")
			if err := os.Symlink("d/f", filepath.Join(src, "link")); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command("cp", "-a", src+"/.", dst).CombinedOutput(); err != nil {
				t.Fatalf("cp: %v %s", err, out)
			}
			tt.mutate(t, dst)
			target := &fakeTarget{open: tt.open, n: 7, last: lastChange}
			r, err := Wait(context.Background(), src, dst, target, Limits{Total: 100 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			if r.Converged != tt.want {
				t.Fatalf("Converged = %v (diff %v), want %v", r.Converged, r.Diff, tt.want)
			}
			if r.Converged && !r.At.Equal(lastChange) {
				t.Errorf("At = %v, want the last target change %v", r.At, lastChange)
			}
			if !r.Converged && (len(r.Diff) == 0 || r.Why == "") {
				t.Errorf("no differences or reason reported for a tree that did not converge: %+v", r)
			}
		})
	}
}

// A target that stopped changing while it differs is given up on long
// before the total limit.
func TestWaitGivesUpOnAStalledTarget(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	put(t, src, "f", "x")
	target := &fakeTarget{last: time.Now().Add(-time.Hour)}
	start := time.Now()
	r, err := Wait(context.Background(), src, dst, target, Limits{Total: time.Hour, Stall: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if r.Converged || !strings.Contains(r.Why, "unchanged") {
		t.Errorf("Wait = %+v, want a stall", r)
	}
	if time.Since(start) > time.Minute {
		t.Errorf("Wait took %s for a stalled target", time.Since(start))
	}
}

func put(t *testing.T, root, rel, data string) {
	t.Helper()
	p := filepath.Join(root, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, time.Unix(1e9, 0), time.Unix(1e9, 0)); err != nil {
		t.Fatal(err)
	}
}

func sameTime(t *testing.T, root, rel string) {
	t.Helper()
	if err := os.Chtimes(filepath.Join(root, rel), time.Unix(1e9, 0), time.Unix(1e9, 0)); err != nil {
		t.Fatal(err)
	}
}

func rm(t *testing.T, root, rel string) {
	t.Helper()
	if err := os.Remove(filepath.Join(root, rel)); err != nil {
		t.Fatal(err)
	}
}

func chmod(t *testing.T, root, rel string, mode os.FileMode) {
	t.Helper()
	if err := os.Chmod(filepath.Join(root, rel), mode); err != nil {
		t.Fatal(err)
	}
}

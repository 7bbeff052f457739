package probe

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// What counts as arrived: a tracked path on the target with the size the
// writer wrote, however the tool put it there.
func TestArrivals(t *testing.T) {
	tests := []struct {
		name string
		// expect registers versions (and moves) with the probe; tool then
		// plays the sync tool on the target directory.
		expect func(p *Probe)
		tool   func(t *testing.T, dst string)
		open   int // versions still open afterwards
		lat    int // latency samples
	}{
		{"renamed into place, as rsync does",
			func(p *Probe) { stamp(p, p.Expect("a/f", 5)) },
			func(t *testing.T, dst string) {
				mkdir(t, dst, "a")
				write(t, dst, "a/.f.XyZ123", 5)
				rename(t, dst, "a/.f.XyZ123", "a/f")
			}, 0, 1},
		{"written in place",
			func(p *Probe) { stamp(p, p.Expect("f", 3)) },
			func(t *testing.T, dst string) { write(t, dst, "f", 3) }, 0, 1},
		{"in a deep new directory written into at once",
			func(p *Probe) { stamp(p, p.Expect("a/b/c/d/f", 4)) },
			func(t *testing.T, dst string) {
				mkdir(t, dst, "a/b/c/d")
				write(t, dst, "a/b/c/d/f", 4)
			}, 0, 1},
		{"a partial copy is not an arrival",
			func(p *Probe) { stamp(p, p.Expect("f", 10)) },
			func(t *testing.T, dst string) { write(t, dst, "f", 4) }, 1, 0},
		{"a newer version resolves the older one too",
			func(p *Probe) { stamp(p, p.Expect("f", 10)); stamp(p, p.Expect("f", 20)) },
			func(t *testing.T, dst string) { write(t, dst, "f", 20) }, 0, 2},
		{"an older version does not resolve the newer",
			func(p *Probe) { stamp(p, p.Expect("f", 10)); stamp(p, p.Expect("f", 20)) },
			func(t *testing.T, dst string) { write(t, dst, "f", 10) }, 1, 1},
		{"a moved file is expected at its new name",
			func(p *Probe) { stamp(p, p.Expect("d/f", 6)); stamp(p, p.Move("d", "e")) },
			func(t *testing.T, dst string) {
				mkdir(t, dst, "x")
				write(t, dst, "x/f", 6)
				rename(t, dst, "x", "e") // a directory renamed into place
			}, 0, 2},
		{"a deleted file is no longer expected",
			func(p *Probe) { stamp(p, p.Expect("gone/f", 6)); p.Forget("gone") },
			func(t *testing.T, dst string) {}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := t.TempDir()
			p, err := Start(dst)
			if err != nil {
				t.Fatal(err)
			}
			tt.expect(p)
			tt.tool(t, dst)
			waitOpen(t, p, tt.open)
			lat, open := p.Results()
			if err := p.Stop(); err != nil {
				t.Fatal(err)
			}
			if open != tt.open || len(lat) != tt.lat {
				t.Errorf("open %d, %d samples; want %d open, %d samples", open, len(lat), tt.open, tt.lat)
			}
			for _, l := range lat {
				if l < 0 || l > time.Minute {
					t.Errorf("latency %v out of range", l)
				}
			}
			if n, last := p.Activity(); tt.lat > 0 && (n == 0 || last.IsZero()) {
				t.Errorf("Activity = %d, %v after arrivals", n, last)
			}
		})
	}
}

// Content that was already on the target when the watch started (or when
// the writer registered it) counts as soon as it is registered.
func TestArrivalBeforeRegistration(t *testing.T) {
	dst := t.TempDir()
	write(t, dst, "early", 7)
	p, err := Start(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	pend := p.Expect("early", 7)
	p.Done(pend, time.Now())
	lat, open := p.Results()
	if open != 0 || len(lat) != 1 || lat[0] != 0 {
		t.Errorf("Results = %v, %d open; want one zero latency", lat, open)
	}
}

func stamp(p *Probe, pend *Pending) { p.Done(pend, time.Now()) }

// waitOpen polls until want versions are open; when want > 0 it also gives
// stray arrivals a moment to (wrongly) show up.
func waitOpen(t *testing.T, p *Probe, want int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	if want > 0 {
		deadline = time.Now().Add(300 * time.Millisecond)
	}
	for p.Open() != want && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
}

func mkdir(t *testing.T, root, rel string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(root, rel), 0o755); err != nil {
		t.Fatal(err)
	}
}

func write(t *testing.T, root, rel string, size int) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(root, rel), []byte(strings.Repeat("x", size)), 0o644); err != nil {
		t.Fatal(err)
	}
}

func rename(t *testing.T, root, from, to string) {
	t.Helper()
	if err := os.Rename(filepath.Join(root, from), filepath.Join(root, to)); err != nil {
		t.Fatal(err)
	}
}

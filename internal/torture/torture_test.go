package torture

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/filter"
)

// TestGenerator is the specification: a seeded generator whose every
// operation is valid (none fails), whose tree on disk is always the one
// its model describes, whose sequence of operations depends only on the
// seed, and which does every kind of operation in its mix.
func TestGenerator(t *testing.T) {
	// 100793: a rename over a file when there were symlinks but no files
	// (found by TestTorture).
	for _, seed := range []uint64{1, 17, 100793, 1234567} {
		t.Run(strconv.FormatUint(seed, 10), func(t *testing.T) {
			root := t.TempDir()
			var log bytes.Buffer
			g, err := New(root, Config{Seed: seed, MaxEntries: 150}, NewOpLog(&log))
			if err != nil {
				t.Fatal(err)
			}
			for step := range 1000 {
				if err := g.Prefill(1); err != nil {
					t.Fatalf("step %d: %v\n%s", step, err, strings.Join(g.log.Tail(30), "\n"))
				}
				if step%25 == 0 || step > 990 {
					if err := g.Verify(); err != nil {
						t.Fatalf("after step %d: %v\nlast ops:\n%s", step, err, strings.Join(g.log.Tail(20), "\n"))
					}
				}
			}
			for _, w := range g.writers {
				for _, o := range mix {
					if w.done[o.name] == 0 {
						t.Errorf("writer %d never did %q in 1000 steps", w.id, o.name)
					}
				}
				if w.m.size() > 150+50 {
					t.Errorf("writer %d has %d entries, bound 150", w.id, w.m.size())
				}
			}
		})
	}
}

// TestManySeeds runs many seeds a little way: young trees, with few files
// or none of a kind, are where an op picks from an empty set.
func TestManySeeds(t *testing.T) {
	for seed := range uint64(200) {
		g, err := New(t.TempDir(), Config{Seed: seed}, NewOpLog(&bytes.Buffer{}))
		if err != nil {
			t.Fatal(err)
		}
		if err := g.Prefill(20); err != nil {
			t.Fatalf("seed %d: %v\n%s", seed, err, strings.Join(g.log.Tail(10), "\n"))
		}
		if err := g.Verify(); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
	}
}

func TestSameSeedSameOps(t *testing.T) {
	run := func(seed uint64) string {
		var log bytes.Buffer
		l := NewOpLog(&log)
		g, err := New(t.TempDir(), Config{Seed: seed, Writers: 3}, l)
		if err != nil {
			t.Fatal(err)
		}
		must(t, g.Prefill(400))
		must(t, l.Flush())
		return withoutTimes(log.String())
	}
	a, b, c := run(42), run(42), run(43)
	if a != b {
		t.Errorf("seed 42 twice: the op logs differ\n%s", firstDifference(a, b))
	}
	if a == c {
		t.Error("seeds 42 and 43 made the same op log")
	}
}

// TestWithout: ops left out never run, an unknown name is an error that
// lists the real ones, and RelativeLinks changes nothing but the links
// that would be absolute.
func TestWithout(t *testing.T) {
	opLog := func(cfg Config) string {
		var log bytes.Buffer
		l := NewOpLog(&log)
		g, err := New(t.TempDir(), cfg, l)
		if err != nil {
			t.Fatal(err)
		}
		if err := g.Prefill(500); err != nil {
			t.Fatal(err)
		}
		must(t, l.Flush())
		return withoutTimes(log.String())
	}
	got := opLog(Config{Seed: 3, Without: []string{"truncate", "burst-rename", "truncate"}})
	if strings.Contains(got, " truncate ") || strings.Contains(got, "burst-rename") {
		t.Error("an op left out ran")
	}
	_, err := New(t.TempDir(), Config{Seed: 3, Without: []string{"truncat"}}, NewOpLog(&bytes.Buffer{}))
	if err == nil || !strings.Contains(err.Error(), `"truncat"`) || !strings.Contains(err.Error(), `"truncate"`) {
		t.Errorf("New with an unknown op left out: %v", err)
	}
	abs, rel := opLog(Config{Seed: 4}), opLog(Config{Seed: 4, RelativeLinks: true})
	if !strings.Contains(abs, `-> "/nonexistent/`) || strings.Contains(rel, `-> "/`) {
		t.Fatal("RelativeLinks: absolute links missing without it, or present with it")
	}
	if want := strings.ReplaceAll(abs, `-> "/nonexistent/`, `-> "nonexistent/`); rel != want {
		t.Errorf("RelativeLinks changed more than the links\n%s", firstDifference(want, rel))
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestRun(t *testing.T) {
	root := t.TempDir()
	g, err := New(root, Config{Seed: 7}, NewOpLog(&bytes.Buffer{}))
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Run(context.Background(), 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if g.Ops() == 0 {
		t.Error("Run did no operations")
	}
	if err := g.Verify(); err != nil {
		t.Error(err)
	}
	for _, w := range g.writers {
		if w.n == 0 {
			t.Errorf("writer %d did nothing while the others ran", w.id)
		}
	}
}

func TestVerifyFindsChanges(t *testing.T) {
	root := t.TempDir()
	g, err := New(root, Config{Seed: 5, Writers: 1}, NewOpLog(&bytes.Buffer{}))
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Prefill(100); err != nil {
		t.Fatal(err)
	}
	f := g.writers[0].pick(file)
	if err := os.WriteFile(filepath.Join(root, "w0", "intruder"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(filepath.Join(root, f), g.writers[0].m.get(f).size+1); err != nil {
		t.Fatal(err)
	}
	err = g.Verify()
	if err == nil || !strings.Contains(err.Error(), `"w0/intruder": on disk, not in the model`) ||
		!strings.Contains(err.Error(), strconv.Quote(f)+": size") {
		t.Errorf("Verify after two changes behind its back = %v", err)
	}
}

func TestNames(t *testing.T) {
	junk, err := filter.New(filter.Options{})
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(t.TempDir(), Config{Seed: 9, Writers: 1}, NewOpLog(&bytes.Buffer{}))
	if err != nil {
		t.Fatal(err)
	}
	w := g.writers[0]
	seen := map[string]bool{}
	long, odd := 0, 0
	for range 20000 {
		n := w.freshName("f")
		switch {
		case seen[n]:
			t.Fatalf("name %q made twice", n)
		case len(n) > 255 || strings.ContainsAny(n, "/\x00") || n == "." || n == "..":
			t.Fatalf("invalid name %q", n)
		case junk.Skip(n, false):
			t.Fatalf("name %q is junk: luasync would rightly not mirror it", n)
		}
		seen[n] = true
		if len(n) == 255 {
			long++
		}
		if !strings.HasPrefix(n, "f") {
			odd++
		}
	}
	if long == 0 || odd < 1000 {
		t.Errorf("in 20000 names, %d of 255 bytes and %d odd ones", long, odd)
	}
}

func TestOpLog(t *testing.T) {
	var buf bytes.Buffer
	l := NewOpLog(&buf)
	for i := range 250 {
		l.op(0, i+1, "create", "size=1", "w0/new\nline \xff")
	}
	l.Note("luasync running")
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 251 || l.Ops() != 250 {
		t.Fatalf("%d lines and %d ops for 250 ops and a note", len(lines), l.Ops())
	}
	if got, want := withoutTimes(lines[0]), `w0 #1 create "w0/new\nline \xff" size=1`; got != want {
		t.Errorf("line = %s, want %s", got, want)
	}
	tail := l.Tail(3)
	if len(tail) != 3 || !strings.Contains(tail[1], "#250 ") || !strings.HasSuffix(tail[2], "test -- luasync running") {
		t.Errorf("Tail(3) = %q", tail)
	}
}

// withoutTimes drops the first field (the wall-clock time) of every line.
func withoutTimes(log string) string {
	var b strings.Builder
	for line := range strings.Lines(log) {
		_, rest, _ := strings.Cut(line, " ")
		b.WriteString(rest)
	}
	return b.String()
}

func firstDifference(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return "line " + strconv.Itoa(i+1) + ":\n" + la[i] + "\n" + lb[i]
		}
	}
	return "one is a prefix of the other"
}

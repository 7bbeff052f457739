package queue

import (
	"flag"
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/event"
)

// The model test drives the queue the way the daemon does, against a model
// file system: random changes to a source tree become the events a watcher
// would report; random Takes hand batches to a model sink that applies each
// event by state, reading the source as it is at that moment (so source
// changes interleave with half-applied batches, as with real workers); some
// events fail and are requeued. At the end the queue is drained and the
// target must equal the source exactly (types and versions, so a stale or
// implied directory shows). This is the test that proves the merge rules.

var (
	modelSeeds = flag.Int("queue.model.seeds", 12, "seeds per configuration in TestModel")
	modelSteps = flag.Int("queue.model.steps", 1500, "steps per seed in TestModel")
	modelSeed0 = flag.Int64("queue.model.seed0", 1, "first seed in TestModel")
	modelWidth = flag.Int("queue.model.names", 3, "names per directory level in TestModel (2-6)")
)

// fsNode is a file or directory; ver changes with every create, write or
// attribute change.
type fsNode struct {
	dir bool
	ver int
}

// fsys is a tree as a map of relative paths; the root "" is implicit.
type fsys map[string]fsNode

func (f fsys) has(p string) bool { _, ok := f[p]; return p == "" || ok }

func (f fsys) isDir(p string) bool { n, ok := f[p]; return p == "" || ok && n.dir }

func (f fsys) removeTree(p string) {
	for k := range f {
		if event.Within(k, p) {
			delete(f, k)
		}
	}
}

// tree returns the paths at and under p, parents first.
func (f fsys) tree(p string) []string {
	var out []string
	for k := range f {
		if event.Within(k, p) {
			out = append(out, k)
		}
	}
	slices.SortFunc(out, func(a, b string) int {
		if d := strings.Count(a, "/") - strings.Count(b, "/"); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	return out
}

func (f fsys) empty(p string) bool { return len(f.tree(p)) <= 1 }

// The names and modelDepth span the path universe: small, so that events
// collide on the same paths often.
const modelDepth = 3

func modelNames() []string {
	return []string{"a", "b", "c", "d", "e", "f"}[:min(max(*modelWidth, 2), 6)]
}

func modelPaths() []string {
	paths := []string{}
	level := []string{""}
	for d := 0; d < modelDepth; d++ {
		var next []string
		for _, p := range level {
			for _, n := range modelNames() {
				next = append(next, event.Join(p, n))
			}
		}
		paths = append(paths, next...)
		level = next
	}
	return paths
}

type modelConfig struct {
	name           string
	opts           Options
	workers        int
	deleteVanished bool // the sink deletes a path whose source is gone (as package direct does)
	retries        bool // some events fail and are requeued
	flush          bool // drain with Flush
	noRename       bool // the sink cannot rename (an rsync daemon): see model.apply
	narrowed       bool // scheduled full syncs narrowed by a Scope happen too (model_narrowed_test.go)
}

type model struct {
	t        *testing.T
	rng      *rand.Rand
	cfg      modelConfig
	q        *Queue
	now      time.Time
	src, dst fsys
	ver      int
	universe []string
	batches  []*batchRun
	scope    string // overflow: changes stay inside scope and are not reported
	silent   bool
	log      []string
}

type batchRun struct {
	b     event.Batch
	next  int
	retry []event.Event
}

func TestModel(t *testing.T) {
	configs := []modelConfig{
		{name: "plain", opts: Options{Delay: 3}, workers: 2},
		{name: "nodelay", opts: Options{}, workers: 3, deleteVanished: true},
		{name: "retries", opts: Options{Delay: 2}, workers: 2, retries: true},
		{name: "retries-vanish", opts: Options{Delay: 1, MaxWait: 4}, workers: 4, retries: true, deleteVanished: true},
		{name: "small-batches", opts: Options{Delay: 2, BatchFiles: 2, BatchBytes: 10}, workers: 3, retries: true},
		{name: "large-files", opts: Options{Delay: 2, LargeFile: 4}, workers: 3, retries: true, deleteVanished: true},
		{name: "pressure", opts: Options{Delay: 50, MaxPending: 6, BatchFiles: 3}, workers: 2, retries: true, flush: true},
		{name: "one-worker", opts: Options{Delay: 1}, workers: 1, retries: true, deleteVanished: true, flush: true},
		{name: "no-rename", opts: Options{Delay: 1}, workers: 3, retries: true, deleteVanished: true, noRename: true},
		{name: "no-rename-nodelay", opts: Options{}, workers: 2, deleteVanished: true, noRename: true},
		{name: "no-rename-slow", opts: Options{Delay: 30}, workers: 2, deleteVanished: true, noRename: true},
		{name: "narrowed", opts: Options{Delay: 2}, workers: 2, retries: true, narrowed: true},
		{name: "narrowed-vanish", opts: Options{Delay: 1, MaxWait: 4}, workers: 3, retries: true, deleteVanished: true, narrowed: true},
		{name: "narrowed-no-rename", opts: Options{Delay: 3}, workers: 2, deleteVanished: true, noRename: true, narrowed: true},
	}
	for _, cfg := range configs {
		t.Run(cfg.name, func(t *testing.T) {
			for seed := *modelSeed0; seed < *modelSeed0+int64(*modelSeeds); seed++ {
				runModel(t, cfg, seed, *modelSteps)
				if t.Failed() {
					return
				}
			}
		})
	}
}

func runModel(t *testing.T, cfg modelConfig, seed int64, steps int) {
	runModelReturning(t, cfg, seed, steps)
}

func runModelReturning(t *testing.T, cfg modelConfig, seed int64, steps int) *model {
	m := &model{
		t: t, rng: rand.New(rand.NewSource(seed)), cfg: cfg, q: New(cfg.opts),
		now: time.Unix(1000, 0), src: fsys{}, dst: fsys{}, universe: modelPaths(),
	}
	for i := 0; i < steps; i++ {
		switch r := m.rng.Intn(100); {
		case r < 35:
			m.sourceOp()
		case r < 45:
			m.now = m.now.Add(time.Duration(m.rng.Intn(int(2*cfg.opts.Delay + 2))))
		case r < 60:
			m.take()
		case r < 90:
			m.applyOne()
		default:
			m.finishOne()
		}
		if err := m.q.check(); err != nil {
			m.fail("seed %d step %d: invariant: %v", seed, i, err)
			return m
		}
	}
	m.cfg.retries = false
	if !m.drain() {
		m.fail("seed %d: queue does not drain: %d pending, %d in flight", seed, m.q.Len(), m.q.InFlight())
		return m
	}
	if diff := m.diff(); diff != "" {
		m.fail("seed %d: target differs from source:\n%s", seed, diff)
	}
	return m
}

func (m *model) logf(format string, args ...any) {
	m.log = append(m.log, fmt.Sprintf(format, args...))
}

func (m *model) fail(format string, args ...any) {
	m.t.Helper()
	tail := m.log
	if len(tail) > 400 {
		tail = tail[len(tail)-400:]
	}
	var pending []string
	for _, e := range m.q.pending() {
		pending = append(pending, fmt.Sprintf("%d:%v", e.seq, e.event()))
	}
	m.t.Errorf("config %s: %s\nlast actions:\n%s\npending: %s", m.cfg.name, fmt.Sprintf(format, args...),
		strings.Join(tail, "\n"), strings.Join(pending, ", "))
}

func (m *model) emit(ev event.Event) {
	if m.silent {
		m.logf("  (lost) %v", ev)
		return
	}
	m.logf("push %v", ev)
	m.q.Push(ev, m.now)
}

func (m *model) diff() string {
	var out []string
	for _, p := range m.src.tree("") {
		if d, ok := m.dst[p]; !ok || d != m.src[p] {
			out = append(out, fmt.Sprintf("  %q: source %+v, target %+v (present %v)", p, m.src[p], d, ok))
		}
	}
	for _, p := range m.dst.tree("") {
		if !m.src.has(p) {
			out = append(out, fmt.Sprintf("  %q: only on target %+v", p, m.dst[p]))
		}
	}
	return strings.Join(out, "\n")
}

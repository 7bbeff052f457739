package daemon

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/event"
	"github.com/luasync/luasync/runtime/luavm"
	"github.com/luasync/luasync/runtime/watch"
)

// BenchmarkDirectLatency writes files at a fixed rate into a watched source
// and reports how long each took from its close to its arrival (the rename
// into place) in the mirror, as seen by a second inotify watcher on the
// target. Each iteration is a few seconds of load; run with -benchtime 1x.
func BenchmarkDirectLatency(b *testing.B) {
	benchLatency(b, "default.direct, target = %[2]q,")
}

// BenchmarkPluginLatency is BenchmarkDirectLatency through a plugin: the
// same mirror kept by a plugin process (the torture test's mirrorplugin,
// package direct behind the SDK), so the difference between the two is
// what a plugin adds: the host, gRPC and a second process.
func BenchmarkPluginLatency(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "mirrorplugin")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/luasync/testdata/mirrorplugin").CombinedOutput(); err != nil {
		b.Fatalf("build mirrorplugin: %v\n%s", err, out)
	}
	benchLatency(b, fmt.Sprintf("plugins = { plugin{ path = %q, config = { target = %%[2]q } } },", bin))
}

// benchLatency runs measureLatency at two rates; sinkKeys gives the
// sync{} keys that make the mirror (%[2]q in them is the target).
func benchLatency(b *testing.B, sinkKeys string) {
	for _, rate := range []int{200, 2000} {
		b.Run(fmt.Sprintf("%dfps", rate), func(b *testing.B) {
			for range b.N {
				lat := measureLatency(b, rate, 3*time.Second, sinkKeys)
				reportLatency(b, lat)
			}
		})
	}
}

func measureLatency(b *testing.B, rate int, d time.Duration, sinkKeys string) []time.Duration {
	root := b.TempDir()
	src, dst := filepath.Join(root, "src"), filepath.Join(root, "dst")
	for _, dir := range []string{src, dst} {
		if err := os.MkdirAll(filepath.Join(dir, "out"), 0o755); err != nil {
			b.Fatal(err)
		}
	}
	cfg := fmt.Sprintf(`settings { failLog = %[3]q }
sync { source = %[1]q, `+sinkKeys+` delay = 0, init = false }`, src, dst, filepath.Join(root, "fail.log"))
	vm, c, err := luavm.LoadString("bench.lua", cfg)
	if err != nil {
		b.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		b.Fatal(err)
	}
	d2, err := New(c, vm, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	arrived := watchArrivals(b, filepath.Join(dst, "out"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d2.Run(ctx) }()
	time.Sleep(200 * time.Millisecond) // watches in place

	n := int(d.Seconds() * float64(rate))
	closed := make([]time.Time, n)
	tick := time.Second / time.Duration(rate)
	begin := time.Now()
	payload := make([]byte, 4096)
	for i := range n {
		if wait := time.Until(begin.Add(time.Duration(i) * tick)); wait > 0 {
			time.Sleep(wait)
		}
		closed[i] = writeAndClose(b, filepath.Join(src, "out", fmt.Sprintf("f%06d", i)), payload)
	}
	lat := arrived.collect(b, n, closed)
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	return lat
}

// writeAndClose writes a file and returns the time just before its close:
// the close is what luasync reacts to (IN_CLOSE_WRITE).
func writeAndClose(b *testing.B, path string, data []byte) time.Time {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := f.Write(data); err != nil {
		b.Fatal(err)
	}
	at := time.Now()
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return at
}

type arrivals struct {
	mu   sync.Mutex
	at   map[string]time.Time
	stop context.CancelFunc
}

// watchArrivals records when each file appears under dir in its final name.
func watchArrivals(b *testing.B, dir string) *arrivals {
	w, err := watch.Open(dir, watch.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a := &arrivals{at: map[string]time.Time{}, stop: cancel}
	ch := make(chan event.Event, 1<<16)
	go w.Run(ctx, ch)
	go func() {
		for ev := range ch {
			if ev.Op == event.Move || ev.Op == event.Create {
				a.mu.Lock()
				if _, ok := a.at[ev.Path]; !ok {
					a.at[ev.Path] = time.Now()
				}
				a.mu.Unlock()
			}
		}
	}()
	return a
}

func (a *arrivals) collect(b *testing.B, n int, closed []time.Time) []time.Duration {
	defer a.stop()
	deadline := time.Now().Add(60 * time.Second)
	for {
		a.mu.Lock()
		got := len(a.at)
		a.mu.Unlock()
		if got >= n {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("only %d of %d files arrived", got, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	lat := make([]time.Duration, n)
	for i := range n {
		lat[i] = a.at[fmt.Sprintf("f%06d", i)].Sub(closed[i])
	}
	return lat
}

func reportLatency(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(pct(1), "max-ms")
	b.ReportMetric(float64(len(lat)), "files")
}

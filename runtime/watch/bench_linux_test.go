//go:build linux && !watch_fsnotify

package watch

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// benchTree returns a tree of 100 x 1000 directories (100,101 with the
// root), built once and kept under os.TempDir() between runs, as building
// it takes far longer than watching it.
func benchTree(b *testing.B) (root string, dirs int) {
	const top, per = 100, 1000
	root = filepath.Join(os.TempDir(), "luasync-watch-bench-100x1000")
	done := filepath.Join(root, ".complete")
	if _, err := os.Stat(done); err != nil {
		b.Logf("building %d directories under %s (once)", top*per, root)
		for i := range top {
			for j := range per {
				if err := os.MkdirAll(filepath.Join(root, fmt.Sprint(i), fmt.Sprint(j)), 0o755); err != nil {
					b.Fatal(err)
				}
			}
		}
		if err := os.WriteFile(done, nil, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return root, 1 + top + top*per
}

// BenchmarkOpen100kDirs times Open on a 100k-directory tree: every
// directory read and watched. MB is the Go heap the Watcher keeps.
func BenchmarkOpen100kDirs(b *testing.B) {
	root, dirs := benchTree(b)
	b.ReportAllocs()
	var heap uint64
	b.ResetTimer()
	for range b.N {
		before := liveHeap()
		w, err := Open(root, Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if n := w.Watches(); n != dirs {
			b.Fatalf("%d watches, want %d", n, dirs)
		}
		heap += liveHeap() - before
		runtime.KeepAlive(w)
		w.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(dirs)*float64(b.N)/b.Elapsed().Seconds(), "dirs/s")
	b.ReportMetric(float64(heap)/float64(b.N)/(1<<20), "MB")
}

func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

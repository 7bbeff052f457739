package direct

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/event"
)

// benchTree writes files small files spread over dirs directories.
func benchTree(b *testing.B, root string, dirs, files, size int) []string {
	b.Helper()
	content := strings.Repeat("b", size)
	var paths []string
	for d := range dirs {
		dir := fmt.Sprintf("d%03d", d)
		if err := os.Mkdir(filepath.Join(root, dir), 0o755); err != nil {
			b.Fatal(err)
		}
		for i := range files / dirs {
			p := fmt.Sprintf("%s/f%05d", dir, i)
			if err := os.WriteFile(filepath.Join(root, p), []byte(content), 0o644); err != nil {
				b.Fatal(err)
			}
			paths = append(paths, p)
		}
	}
	return paths
}

func applyOK(b *testing.B, s *Sink, batch event.Batch) {
	for _, r := range s.Apply(context.Background(), batch) {
		if r.Outcome != event.OK {
			b.Fatalf("%v: %v %v", r.Event, r.Outcome, r.Err)
		}
	}
}

// BenchmarkRescan: a full mirror of 20,000 small files in 200 directories
// into an empty target, and a rescan of an identical tree (the startup sync
// of a daemon restarted on a mirror that is already up to date).
func BenchmarkRescan(b *testing.B) {
	const dirs, files = 200, 20000
	src := filepath.Join(b.TempDir(), "src")
	if err := os.Mkdir(src, 0o755); err != nil {
		b.Fatal(err)
	}
	benchTree(b, src, dirs, files, 1024)
	tmp := b.TempDir()
	for _, workers := range []int{0, 4, 8} {
		b.Run(fmt.Sprintf("full/workers=%d", workers), func(b *testing.B) {
			setRescanWorkers(b, workers)
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				dst := filepath.Join(tmp, "full")
				if err := os.RemoveAll(dst); err != nil {
					b.Fatal(err)
				}
				s, err := New(src, dst, Options{Delete: true, FullDelete: true})
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				applyOK(b, s, event.Batch{rescan("")})
			}
			b.ReportMetric(float64(files*b.N)/b.Elapsed().Seconds(), "files/s")
		})
		b.Run(fmt.Sprintf("noop/workers=%d", workers), func(b *testing.B) {
			setRescanWorkers(b, workers)
			s, err := New(src, filepath.Join(tmp, "noop"), Options{Delete: true, FullDelete: true})
			if err != nil {
				b.Fatal(err)
			}
			applyOK(b, s, event.Batch{rescan("")})
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				applyOK(b, s, event.Batch{rescan("")})
			}
			b.ReportMetric(float64(files*b.N)/b.Elapsed().Seconds(), "files/s")
		})
	}
}

// BenchmarkApplyModify: one batch of 1000 modified 4 KB files.
func BenchmarkApplyModify(b *testing.B) {
	const files, size = 1000, 4096
	src := filepath.Join(b.TempDir(), "src")
	if err := os.Mkdir(src, 0o755); err != nil {
		b.Fatal(err)
	}
	paths := benchTree(b, src, 10, files, size)
	s, err := New(src, filepath.Join(b.TempDir(), "dst"), Options{Delete: true, FullDelete: true})
	if err != nil {
		b.Fatal(err)
	}
	applyOK(b, s, event.Batch{rescan("")})
	batch := make(event.Batch, len(paths))
	for i, p := range paths {
		batch[i] = modify(p)
	}
	mtime := time.Now()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		content := []byte(strings.Repeat(string(rune('a'+i%26)), size))
		mtime = mtime.Add(time.Second)
		for _, p := range paths {
			full := filepath.Join(src, p)
			if err := os.WriteFile(full, content, 0o644); err != nil {
				b.Fatal(err)
			}
			if err := os.Chtimes(full, mtime, mtime); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		applyOK(b, s, batch)
	}
	b.ReportMetric(float64(files*b.N)/b.Elapsed().Seconds(), "files/s")
}

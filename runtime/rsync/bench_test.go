package rsync_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/event"
	"github.com/luasync/luasync/runtime/rsync"
)

// BenchmarkBatch sends batches of 1,000 new 1 KB files (in 10 new
// directories, as the watcher reports them) to a local target and to a
// daemon: what one rsync run per batch costs, in files per second.
func BenchmarkBatch(b *testing.B) {
	for _, kind := range targetKinds[:2] {
		b.Run(kind.name, func(b *testing.B) {
			s, src, _ := newSink(b, kind, nil)
			content := string(make([]byte, 1024))
			var files int
			var elapsed time.Duration
			for i := 0; b.Loop(); i++ {
				b.StopTimer()
				var batch event.Batch
				for d := range 10 {
					dir := fmt.Sprintf("it%d/d%d", i, d)
					mkdir(b, src, dir)
					batch = append(batch, createDir(dir))
					for f := range 100 {
						name := fmt.Sprintf("%s/f%03d", dir, f)
						write(b, src, name, content)
						batch = append(batch, create(name))
					}
				}
				b.StartTimer()
				start := time.Now()
				for _, r := range s.Apply(b.Context(), batch) {
					if r.Outcome != event.OK {
						b.Fatalf("%v: %v", r.Event, r.Err)
					}
				}
				elapsed += time.Since(start)
				files += 1000
			}
			b.ReportMetric(float64(files)/elapsed.Seconds(), "files/s")
			b.ReportMetric(float64(s.Runs())/float64(files/1000), "runs/batch")
		})
	}
}

// BenchmarkRescan is a full sync of 10,000 files that are already on the
// target, with a Keep filter that the sink walks the tree for.
func BenchmarkRescan(b *testing.B) {
	s, src, _ := newSink(b, targetKinds[0], func(o *rsync.Options) {
		o.Keep = func(rel string, isDir bool) bool { return rel[len(rel)-1] != '7' }
		o.WalkForKeep = true
	})
	for i := range 10000 {
		dir := fmt.Sprintf("d%02d/e%02d", i%100, i%37)
		mkdir(b, src, dir)
		write(b, src, fmt.Sprintf("%s/f%05d", dir, i), "x")
	}
	batch := event.Batch{rescan("")}
	s.Apply(b.Context(), batch)
	for b.Loop() {
		for _, r := range s.Apply(b.Context(), batch) {
			if r.Outcome != event.OK {
				b.Fatalf("%v: %v", r.Event, r.Err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/rescan")
}

// BenchmarkSSHBatch is one small batch over ssh: a rename (the move
// script) and a new file (an rsync run), over the shared connection and
// with each run connecting on its own.
func BenchmarkSSHBatch(b *testing.B) {
	for _, shared := range []bool{true, false} {
		name := map[bool]string{true: "shared", false: "own-connections"}[shared]
		b.Run(name, func(b *testing.B) {
			s, src, _ := newSink(b, targetKinds[2], func(o *rsync.Options) { o.SSH.NoMultiplex = !shared })
			write(b, src, "f0", "moved along")
			apply(b, s, rescan(""))
			for deadline := time.Now().Add(30 * time.Second); shared && !rsync.SharedUp(s); time.Sleep(20 * time.Millisecond) {
				if time.Now().After(deadline) {
					b.Fatal("the shared connection did not come up in 30 s")
				}
			}
			for i := 0; b.Loop(); i++ {
				b.StopTimer()
				from, to, fresh := fmt.Sprintf("f%d", i), fmt.Sprintf("f%d", i+1), fmt.Sprintf("n%d", i)
				rename(b, src, from, to)
				write(b, src, fresh, fresh)
				b.StartTimer()
				apply(b, s, move(from, to), create(fresh))
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/batch")
		})
	}
}

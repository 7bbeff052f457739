package queue

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/event"
)

// benchSizes are the pending-queue sizes the benchmarks run at; the figures
// must not grow with the size.
var benchSizes = []struct {
	name string
	n    int
}{{"1k", 1_000}, {"100k", 100_000}, {"1M", 1_000_000}}

// benchPath spreads paths over 1000 directories of 7 subdirectories each,
// three levels deep, as a busy file server's tree would.
func benchPath(i int) string {
	return fmt.Sprintf("dir%03d/sub%d/file%07d", i%1000, i%7, i)
}

// filledQueue returns a queue holding n pending Modify events, pushed at t0.
func filledQueue(n int, opts Options) *Queue {
	q := New(opts)
	for i := 0; i < n; i++ {
		q.Push(event.Event{Op: event.Modify, Path: benchPath(i), Size: 100}, t0)
	}
	return q
}

func heapInUse() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse)
}

// BenchmarkPush merges Modify events into a queue already holding n
// entries: every other push hits a pending path (a merge), the others a new
// one (an insert).
func BenchmarkPush(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(size.name, func(b *testing.B) {
			before := heapInUse()
			q := filledQueue(size.n, Options{Delay: time.Second})
			perEntry := float64(heapInUse()-before) / float64(size.n)
			fresh := make([]string, b.N/2+1)
			for i := range fresh {
				fresh[i] = benchPath(size.n + i)
			}
			old := make([]string, min(b.N/2+1, size.n))
			for i := range old {
				old[i] = benchPath((i * 7919) % size.n)
			}
			runtime.GC()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				p := fresh[i/2]
				if i%2 == 0 {
					p = old[(i/2)%len(old)]
				}
				q.Push(event.Event{Op: event.Modify, Path: p, Size: 100}, t0.Add(time.Duration(i)))
			}
			b.ReportMetric(perEntry, "B/pending")
		})
	}
}

// BenchmarkMerge pushes Modify events only onto pending paths of a queue
// holding n: the merge alone.
func BenchmarkMerge(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(size.name, func(b *testing.B) {
			q := filledQueue(size.n, Options{Delay: time.Second})
			paths := make([]string, min(b.N, size.n))
			for i := range paths {
				paths[i] = benchPath((i * 7919) % size.n)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				q.Push(event.Event{Op: event.Modify, Path: paths[i%len(paths)], Size: 100}, t0.Add(time.Duration(i)))
			}
		})
	}
}

// BenchmarkTake takes batches of 1000 ready entries from a queue holding n,
// releases them, and puts them back (outside the timer), so the size stays.
func BenchmarkTake(b *testing.B) {
	const batch = 1000
	for _, size := range benchSizes {
		b.Run(size.name, func(b *testing.B) {
			q := filledQueue(size.n, Options{BatchFiles: batch})
			now := t0.Add(time.Hour)
			refill := func() {
				bt := q.Take(now)
				q.Done(bt)
				for _, ev := range bt {
					q.Push(ev, now)
				}
			}
			refill() // the first Take files all n entries as ready
			runtime.GC()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				bt := q.Take(now)
				if len(bt) != batch {
					b.Fatalf("took %d, want %d", len(bt), batch)
				}
				q.Done(bt)
				b.StopTimer()
				for _, ev := range bt {
					q.Push(ev, now)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/event")
		})
	}
}

// BenchmarkSubtree deletes a directory with 100 pending entries below it
// from a queue holding n others (refilling it outside the timer). The cost
// must follow the subtree, not the queue.
func BenchmarkSubtree(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(size.name, func(b *testing.B) {
			q := filledQueue(size.n, Options{})
			below := make([]string, 100)
			for i := range below {
				below[i] = fmt.Sprintf("hot/sub%d/f%03d", i%3, i)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				for _, p := range below {
					q.Push(event.Event{Op: event.Modify, Path: p}, t0)
				}
				b.StartTimer()
				q.Push(event.Event{Op: event.Delete, Path: "hot", IsDir: true}, t0)
			}
		})
	}
}

// BenchmarkNarrowedRescan pushes, takes and releases a scheduled full sync
// with excludes of its own (a narrowed Rescan of the root) over n pending
// entries that are not due yet. It absorbs none of them, and marks the
// Creates and Moves among them as ones the target may hold when it is
// taken: a cost that follows the queue, once per scheduled run, as a plain
// Rescan of the root's does (it absorbs them all, which costs more).
func BenchmarkNarrowedRescan(b *testing.B) {
	scope := &event.Scope{Skip: func(string, bool) bool { return false }}
	for _, size := range benchSizes {
		b.Run(size.name, func(b *testing.B) {
			q := New(Options{Delay: time.Minute})
			for i := 0; i < size.n; i++ {
				q.Push(event.Event{Op: event.Create, Path: benchPath(i), Size: 100}, t0.Add(time.Hour))
			}
			runtime.GC()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				q.Push(event.Event{Op: event.Rescan, IsDir: true, Scope: scope}, t0)
				bt := q.Take(t0.Add(2 * time.Minute))
				if len(bt) != 1 {
					b.Fatalf("took %d events, want the rescan alone", len(bt))
				}
				q.Done(bt)
			}
		})
	}
}

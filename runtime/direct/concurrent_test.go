package direct

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/luasync/luasync/runtime/event"
)

// TestConcurrentApply: several workers apply batches on disjoint paths at
// once, as the sink's worker pool does, including batches whose parents are
// missing on the target, so they race to create the same directories.
func TestConcurrentApply(t *testing.T) {
	f := newFixture(t, Options{Delete: true, FullDelete: true})
	const workers, perWorker = 8, 40
	mkdir(t, f.src, "shared", 0o755)
	mkdir(t, f.src, "shared/deep", 0o750)
	batches := make([]event.Batch, workers)
	for w := range workers {
		mkdir(t, f.src, fmt.Sprintf("shared/deep/w%d", w), 0o755)
		for i := range perWorker {
			p := fmt.Sprintf("shared/deep/w%d/f%d", w, i)
			write(t, f.src, p, p)
			batches[w] = append(batches[w], create(p))
		}
		batches[w] = append(batches[w], rescan(fmt.Sprintf("shared/deep/w%d", w)))
	}
	var wg sync.WaitGroup
	results := make([][]event.Result, workers)
	for w := range workers {
		wg.Go(func() { results[w] = f.sink.Apply(context.Background(), batches[w]) })
	}
	wg.Wait()
	for _, rs := range results {
		for _, r := range rs {
			if r.Outcome != event.OK {
				t.Errorf("%v: %v %v", r.Event, r.Outcome, r.Err)
			}
		}
	}
	// The shared parents were created on the fly; their own events settle
	// their modes and mtimes.
	f.apply(t, attrib("shared"), attrib("shared/deep"))
	f.requireDiff(t)
}

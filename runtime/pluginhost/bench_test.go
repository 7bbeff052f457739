package pluginhost

import (
	"context"
	"fmt"
	"log/slog"
	"testing"

	"github.com/luasync/luasync/runtime/event"
)

// BenchmarkHandle sends batches through the real test plugin process:
// ns/op is one Apply of a batch (the latency a call adds), events/s the
// throughput.
func BenchmarkHandle(b *testing.B) {
	for _, mtls := range []bool{true, false} {
		for _, size := range []int{1, 100, 1000} {
			b.Run(fmt.Sprintf("mtls=%v/batch=%d", mtls, size), func(b *testing.B) {
				h, err := Start(context.Background(), Options{Name: "bench", Command: []string{testPlugin}, MTLS: mtls,
					Logger: slog.New(slog.DiscardHandler)})
				if err != nil {
					b.Fatal(err)
				}
				defer h.Close()
				batch := make(event.Batch, size)
				for i := range batch {
					batch[i] = event.Event{Op: event.Modify, Path: fmt.Sprintf("some/dir/file-%06d.txt", i), Size: 1234}
				}
				for b.Loop() {
					for _, r := range h.Apply(context.Background(), batch) {
						if r.Outcome != event.OK {
							b.Fatalf("%v: %v %v", r.Event, r.Outcome, r.Err)
						}
					}
				}
				b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "events/s")
			})
		}
	}
}

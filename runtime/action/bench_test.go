package action

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/luasync/luasync/runtime/event"
	"github.com/luasync/luasync/runtime/luavm"
)

// BenchmarkApply runs batches through a real Lua VM and real processes
// (/bin/true, one per event, or one per batch for layer 1): events/s, and
// with batch=1 the latency one event adds from Apply to its settled result.
func BenchmarkApply(b *testing.B) {
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer slog.SetDefault(old)
	configs := []struct{ name, src string }{
		{"layer3", `sync{ source = "/tmp", maxProcesses = 4, onModify = "/bin/true ^sourcePath" }`},
		{"layer3-shell", `sync{ source = "/tmp", maxProcesses = 4, onModify = "true ^sourcePath" }`},
		{"layer2", `sync{ source = "/tmp", maxProcesses = 4, onModify = function(e) spawn(e, "/bin/true", e.sourcePath) end }`},
		{"layer1-list", `sync{ source = "/tmp", action = function(inlet)
			local l = inlet.getEvents()
			spawn(l, "/bin/true", "<", table.concat(l.getPaths(), "\n"))
		end }`},
	}
	for _, c := range configs {
		for _, n := range []int{1, 100, 1000} {
			b.Run(fmt.Sprintf("%s/batch=%d", c.name, n), func(b *testing.B) {
				vm, _, err := luavm.LoadString("bench.lua", c.src)
				if err != nil {
					b.Fatal(err)
				}
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan error, 1)
				go func() { done <- vm.Run(ctx) }()
				defer func() { cancel(); <-done; vm.Close() }()
				s := New(Options{Sync: 0, Name: "bench", Lua: vm, Logger: slog.Default()})
				defer s.Close()
				batch := make(event.Batch, n)
				for i := range batch {
					batch[i] = event.Event{Op: event.Modify, Path: fmt.Sprintf("f%04d", i)}
				}
				for b.Loop() {
					for _, r := range s.Apply(ctx, batch) {
						if r.Outcome != event.OK {
							b.Fatalf("%v: %v %v", r.Event, r.Outcome, r.Err)
						}
					}
				}
				b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "events/s")
			})
		}
	}
}

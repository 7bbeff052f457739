package luavm

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/luasync/luasync/runtime/event"
)

// The Lua side's cost per event for each kind of action: hand a batch of
// n events to the VM, let the action spawn (no process is started here:
// package action's benchmark adds that), then collect every process with
// exit code 0. maxProcesses is high enough that the whole batch spawns at
// once.
var actionBenchConfigs = []struct{ name, src string }{
	{"layer3-binary", `sync{ source = "/src", maxProcesses = 2000, onModify = "/bin/true ^sourcePath ^targetPath", target = "/t/" }`},
	{"layer3-shell", `sync{ source = "/src", maxProcesses = 2000, onModify = "cp ^sourcePath ^targetPathdir", target = "/t/" }`},
	{"layer2", `sync{ source = "/src", maxProcesses = 2000,
		onModify = function(e) spawn(e, "/bin/true", e.sourcePath) end }`},
	{"layer1-list", `sync{ source = "/src",
		action = function(inlet)
			local l = inlet.getEvents()
			spawn(l, "/bin/true", "<", table.concat(l.getPaths(), "\n"))
		end }`},
}

func BenchmarkActions(b *testing.B) {
	defer quietLog()()
	for _, c := range actionBenchConfigs {
		for _, n := range []int{1, 100, 1000} {
			b.Run(fmt.Sprintf("%s/batch=%d", c.name, n), func(b *testing.B) {
				vm := startVM(b, c.src)
				batch := make(event.Batch, n)
				for i := range batch {
					batch[i] = event.Event{Op: event.Modify, Path: fmt.Sprintf("dir/file-%04d.html", i)}
				}
				ctx := context.Background()
				id := uint64(0)
				b.ReportAllocs()
				for b.Loop() {
					id++
					step, err := vm.Deliver(ctx, 0, id, batch)
					if err != nil {
						b.Fatal(err)
					}
					settled := len(step.Settled)
					for _, sp := range step.Spawns {
						st, err := vm.Collect(ctx, 0, sp.Agent, 0, nil)
						if err != nil {
							b.Fatal(err)
						}
						settled += len(st.Settled)
					}
					if settled != 1 {
						b.Fatalf("%d batches settled, want 1", settled)
					}
				}
				b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "events/s")
			})
		}
	}
}

// quietLog sends the default logger to io.Discard until the returned
// function restores it: default.collect logs failures, and the figure is
// the actions' cost, not the terminal's.
func quietLog() func() {
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	return func() { slog.SetDefault(old) }
}

package luavm

import (
	"context"
	"testing"

	"github.com/luasync/luasync/runtime/event"
)

// The filter of BenchmarkFilterCall reads one field, so the figure is the
// cost of the round trip itself: request to the VM's goroutine, timeout
// context, event object, Lua call, reply.
const cheapFilter = `
sync{ default.direct, source = "/srv/www", target = "/mnt/www",
	filter = function(event) return not event.isdir end }`

// A typical lsyncd-style filter: a Lua pattern on the name. gopher-lua
// compiles the pattern on every call, which dominates this figure.
const patternFilter = `
sync{ default.direct, source = "/srv/www", target = "/mnt/www",
	filter = function(event) return not event.basename:match("%.log$") end }`

var benchEvent = event.Event{Op: event.Modify, Path: "assets/images/2024/photo.png"}

func BenchmarkFilterCall(b *testing.B) { benchFilter(b, cheapFilter) }

func BenchmarkFilterCallPattern(b *testing.B) { benchFilter(b, patternFilter) }

func benchFilter(b *testing.B, src string) {
	vm := startVM(b, src)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if keep, err := vm.Filter(ctx, 0, benchEvent); !keep || err != nil {
			b.Fatal(keep, err)
		}
	}
}

// BenchmarkFilterCallParallel has every core's goroutines calling at once,
// as one watcher per sync would; the VM serialises them.
func BenchmarkFilterCallParallel(b *testing.B) {
	vm := startVM(b, cheapFilter)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			if keep, err := vm.Filter(ctx, 0, benchEvent); !keep || err != nil {
				b.Error(keep, err)
				return
			}
		}
	})
}

package faillog

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/luasync/luasync/runtime/event"
)

// TestAppendCutOffByTheKernelLeavesTheFileAsItWas: the kernel cuts an
// append short, as a full disk does. Here it is this process's file size
// limit (RLIMIT_FSIZE: EFBIG after the bytes that fit, where a full disk
// says ENOSPC); cmd/luasync's end-to-end test fills a real tmpfs. The append
// fails, saying how much it wrote, the file is cut back to exactly what it
// held, and the next append, with room again, lands on a line of its own.
func TestAppendCutOffByTheKernelLeavesTheFileAsItWas(t *testing.T) {
	tests := []struct {
		name, before string
		damage       int
	}{
		{"after a whole line", good + "\n", 0},
		{"after a line a crash cut off", good + "\n" + fragment, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := open(t, filepath.Join(t.TempDir(), "fail.log"))
			must(t, os.WriteFile(l.Path(), []byte(tt.before), 0o600))
			e := Entry{Sink: "a", Event: event.Event{Op: event.Create, Path: strings.Repeat("long/", 40)}}
			err := withFileSizeLimit(t, len(tt.before)+10, func() error { return l.Append(e) })
			if !errors.Is(err, unix.EFBIG) {
				t.Fatalf("Append past the limit: %v, want EFBIG", err)
			}
			if want := fmt.Sprintf("append to fail log %s: wrote 10 of ", l.Path()); !strings.HasPrefix(err.Error(), want) ||
				!strings.Contains(err.Error(), "cut back") {
				t.Errorf("error %q\nshould start %q and say the file was cut back", err, want)
			}
			if data, _ := os.ReadFile(l.Path()); string(data) != tt.before {
				t.Fatalf("after the cut-off append the file holds\n%q\nwant it as it was:\n%q", data, tt.before)
			}
			must(t, l.Append(e))
			entries, damage, err := l.Load()
			if err != nil || len(entries) != 2 || entries[1].Event.Path != e.Event.Path || len(damage) != tt.damage {
				t.Fatalf("after a later append: entries %+v, damage %+v, err %v", entries, damage, err)
			}
		})
	}
}

// withFileSizeLimit runs fn with the process's RLIMIT_FSIZE at limit
// bytes. Go ignores SIGXFSZ, so a write past it returns EFBIG.
func withFileSizeLimit(t *testing.T, limit int, fn func() error) error {
	t.Helper()
	var old unix.Rlimit
	must(t, unix.Getrlimit(unix.RLIMIT_FSIZE, &old))
	low := old
	low.Cur = uint64(limit)
	must(t, unix.Setrlimit(unix.RLIMIT_FSIZE, &low))
	defer func() { must(t, unix.Setrlimit(unix.RLIMIT_FSIZE, &old)) }()
	return fn()
}

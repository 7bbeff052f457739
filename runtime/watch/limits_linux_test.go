//go:build linux && !watch_fsnotify

package watch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/luasync/luasync/runtime/event"
)

// TestOverflowBecomesRescan overfills the kernel queue while Run is not
// reading yet: the overflow must become one Rescan of the whole tree, and
// the directory created while events were being lost must end up watched.
func TestOverflowBecomesRescan(t *testing.T) {
	queued, err := readSysctl("max_queued_events")
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	mustWrite(t, filepath.Join(root, "a"), "")
	mustWrite(t, filepath.Join(root, "b"), "")
	w, err := Open(root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Alternating files, so the kernel cannot merge an event into the one
	// queued just before it; chmod, as creating files is slow on some disks.
	for i := range queued + 100 {
		name, mode := "a", os.FileMode(0o600)
		if i%2 == 1 {
			name = "b"
		}
		if i%4 >= 2 {
			mode = 0o644
		}
		if err := os.Chmod(filepath.Join(root, name), mode); err != nil {
			t.Fatal(err)
		}
	}
	mustMkdir(t, filepath.Join(root, "late"))
	r := run(t, w, root)

	r.waitFor(t, "Rescan", func(evs []event.Event) bool {
		return slices.Contains(evs, event.Event{Op: event.Rescan, Path: "", IsDir: true})
	})
	if n := w.Watches(); n != 2 {
		t.Errorf("%d watches after the overflow, want 2 (root and late)", n)
	}
	mustWrite(t, filepath.Join(root, "late", "f"), "x")
	r.waitFor(t, "Create late/f", func(evs []event.Event) bool { return has(evs, "Create late/f") })
}

func TestOutOfWatchesInOpen(t *testing.T) {
	defer func() { maxWatchesForTest = 0 }()
	maxWatchesForTest = 3
	root := t.TempDir()
	for i := range 10 {
		mustMkdir(t, filepath.Join(root, fmt.Sprint("d", i)))
	}
	limit, err := readSysctl("max_user_watches")
	if err != nil {
		t.Fatal(err)
	}
	w, err := Open(root, Options{})
	if err == nil {
		w.Close()
		t.Fatal("Open succeeded past the watch limit")
	}
	want := fmt.Sprintf("watch %s: out of inotify watches: fs.inotify.max_user_watches is %d but the tree has about 11 directories", root, limit)
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("got  %q\nwant %q...", err, want)
	}
	if !strings.Contains(err.Error(), "; raise it: sysctl fs.inotify.max_user_watches=") ||
		!strings.HasSuffix(err.Error(), "(persist in /etc/sysctl.d/)") {
		t.Errorf("%q does not say what to do", err)
	}
	if !errors.Is(err, unix.ENOSPC) {
		t.Errorf("%v is not ENOSPC", err)
	}
}

func TestSuggestLimit(t *testing.T) {
	tests := []struct{ dirs, current, want int64 }{
		{120000, 8192, 262144},
		{11, 192536, 524288},
		{0, 128, 8192},
	}
	for _, tt := range tests {
		if got := suggestLimit(tt.dirs, tt.current); got != tt.want {
			t.Errorf("suggestLimit(%d, %d) = %d, want %d", tt.dirs, tt.current, got, tt.want)
		}
	}
}

// runUntilError runs w and returns what Run returns on its own.
func runUntilError(t *testing.T, w *Watcher, act func()) error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := make(chan event.Event, 1024)
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx, out) }()
	act()
	select {
	case err := <-done:
		return err
	case <-time.After(waitLimit):
		t.Fatalf("Run did not stop within %v", waitLimit)
		return nil
	}
}

func TestRunStops(t *testing.T) {
	tests := []struct {
		name string
		act  func(t *testing.T, root string)
		want string
	}{
		{"out of watches for a new directory", func(t *testing.T, root string) {
			mustMkdir(t, filepath.Join(root, "a/b/c"))
		}, "out of inotify watches: fs.inotify.max_user_watches is"},
		{"root deleted", func(t *testing.T, root string) {
			if err := os.RemoveAll(root); err != nil {
				t.Fatal(err)
			}
		}, "source directory was deleted"},
		{"root moved", func(t *testing.T, root string) {
			mustRename(t, root, root+"-moved")
		}, "source directory was moved away"},
	}
	defer func() { maxWatchesForTest = 0 }()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := filepath.Join(t.TempDir(), "root")
			mustMkdir(t, filepath.Join(root, "sub"))
			maxWatchesForTest = 3
			w, err := Open(root, Options{Logger: testLogger(t)})
			if err != nil {
				t.Fatal(err)
			}
			err = runUntilError(t, w, func() { tt.act(t, root) })
			if err == nil || !strings.HasPrefix(err.Error(), "watch "+root+": ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Run = %v, want \"watch %s: ...%s...\"", err, root, tt.want)
			}
		})
	}
}

// TestModes checks which kernel event means "content changed": a file
// held open and written is reported before it is closed only in the modes
// that include Modify.
func TestModes(t *testing.T) {
	tests := []struct {
		mode                  Mode
		whileOpen, afterClose []string
	}{
		{CloseWrite, []string{"Create f"}, []string{"Modify f"}},
		{Modify, []string{"Create f", "Modify f"}, nil},
		{CloseWriteOrModify, []string{"Create f", "Modify f"}, []string{"Modify f"}},
	}
	for _, tt := range tests {
		t.Run(tt.mode.String(), func(t *testing.T) {
			root := t.TempDir()
			r := start(t, root, Options{Mode: tt.mode})
			f, err := os.Create(filepath.Join(root, "f"))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.WriteString("data"); err != nil {
				t.Fatal(err)
			}
			if got := showAll(r.settle(t)); !slices.Equal(got, tt.whileOpen) {
				t.Errorf("while open: got %q, want %q", got, tt.whileOpen)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			if got := showAll(r.settle(t)); !slices.Equal(got, tt.afterClose) {
				t.Errorf("after close: got %q, want %q", got, tt.afterClose)
			}
		})
	}
}

// TestOutOfInstances lowers this process's open-file limit so that
// inotify_init1 fails with EMFILE, as it does when every inotify instance
// the user may have is taken.
func TestOutOfInstances(t *testing.T) {
	root := t.TempDir()
	var old unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	low := old
	low.Cur = 3 // stdin, stdout, stderr: every descriptor after them fails
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &low); err != nil {
		t.Fatal(err)
	}
	w, err := Open(root, Options{})
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	if err == nil {
		w.Close()
		t.Fatal("Open succeeded without a free descriptor")
	}
	want := fmt.Sprintf("watch %s: out of inotify instances: fs.inotify.max_user_instances is ", root)
	if !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), "sysctl fs.inotify.max_user_instances=") ||
		!errors.Is(err, unix.EMFILE) {
		t.Errorf("got  %q\nwant %q...", err, want)
	}
}

package luavm

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/event"
)

// startVM loads src and runs the VM until the test ends.
func startVM(t testing.TB, src string) *VM {
	t.Helper()
	vm, _, err := LoadString("cfg.lua", src)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- vm.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-errc; err != nil {
			t.Errorf("Run() = %v", err)
		}
		vm.Close()
	})
	return vm
}

func TestFilterKeepDrop(t *testing.T) {
	vm := startVM(t, `
sync{ default.direct, source = "/srv/www", target = "/b",
	filter = function(event)
		if event.isdir then return true end
		if event.basename:match("%.log$") then return false end
		if event.basename == "nil" then return nil end
		if event.basename == "none" then return end
		if event.basename == "zero" then return 0 end
		return event.etype ~= "Attrib"
	end }
sync{ default.direct, source = "/c", target = "/d" }`)
	tests := []struct {
		ev   event.Event
		want bool
	}{
		{event.Event{Op: event.Create, Path: "a/index.html"}, true},
		{event.Event{Op: event.Modify, Path: "logs/app.log"}, false},
		{event.Event{Op: event.Create, Path: "logs", IsDir: true}, true},
		{event.Event{Op: event.Attrib, Path: "a.html"}, false},
		{event.Event{Op: event.Modify, Path: "nil"}, false},
		{event.Event{Op: event.Modify, Path: "none"}, false},
		{event.Event{Op: event.Modify, Path: "zero"}, true}, // a non-nil, non-false value is truthy
	}
	ctx := context.Background()
	for _, tt := range tests {
		got, err := vm.Filter(ctx, 0, tt.ev)
		if err != nil || got != tt.want {
			t.Errorf("Filter(%v) = %v, %v; want %v", tt.ev, got, err, tt.want)
		}
	}
	if !vm.HasFilter(0) || vm.HasFilter(1) || vm.HasFilter(2) || vm.HasFilter(-1) {
		t.Error("HasFilter is wrong")
	}
	if keep, err := vm.Filter(ctx, 1, event.Event{Op: event.Create, Path: "x.log"}); !keep || err != nil {
		t.Errorf("sync without filter: %v, %v; want true, nil", keep, err)
	}
	if keep, err := vm.Filter(ctx, 5, event.Event{}); !keep || err == nil {
		t.Errorf("sync #5: %v, %v; want true and an error", keep, err)
	}
}

// TestFilterEvent: the event a filter sees, field by field.
func TestFilterEvent(t *testing.T) {
	vm := startVM(t, `
local fields = { "etype", "isdir", "path", "pathname", "name", "basename", "source",
	"sourcePath", "sourcePathname", "oldpath", "oldpathname", "oldname", "oldbasename",
	"oldSourcePath", "nosuchfield" }
sync{ default.direct, source = "/srv/www/", target = "/b",
	filter = function(event)
		local out = {}
		for _, k in ipairs(fields) do
			if event[k] ~= nil then out[#out + 1] = k .. "=" .. tostring(event[k]) end
		end
		error(table.concat(out, "|"), 0)
	end }`)
	const www = "source=/srv/www/|"
	tests := []struct {
		ev   event.Event
		want string
	}{
		{event.Event{Op: event.Create, Path: "a/b.txt"},
			"etype=Create|isdir=false|path=/a/b.txt|pathname=/a/b.txt|name=b.txt|basename=b.txt|" + www +
				"sourcePath=/srv/www/a/b.txt|sourcePathname=/srv/www/a/b.txt"},
		{event.Event{Op: event.Delete, Path: "a/dir", IsDir: true},
			"etype=Delete|isdir=true|path=/a/dir/|pathname=/a/dir|name=dir/|basename=dir|" + www +
				"sourcePath=/srv/www/a/dir/|sourcePathname=/srv/www/a/dir"},
		{event.Event{Op: event.Move, From: "old name", Path: "new\nname"},
			"etype=Move|isdir=false|path=/new\nname|pathname=/new\nname|name=new\nname|basename=new\nname|" + www +
				"sourcePath=/srv/www/new\nname|sourcePathname=/srv/www/new\nname|" +
				"oldpath=/old name|oldpathname=/old name|oldname=old name|oldbasename=old name|oldSourcePath=/srv/www/old name"},
		{event.Event{Op: event.Move, From: "d1", Path: "d2/d3", IsDir: true},
			"etype=Move|isdir=true|path=/d2/d3/|pathname=/d2/d3|name=d3/|basename=d3|" + www +
				"sourcePath=/srv/www/d2/d3/|sourcePathname=/srv/www/d2/d3|" +
				"oldpath=/d1/|oldpathname=/d1|oldname=d1/|oldbasename=d1|oldSourcePath=/srv/www/d1/"},
		{event.Event{Op: event.Attrib, Path: "\xff-$(x)"},
			"etype=Attrib|isdir=false|path=/\xff-$(x)|pathname=/\xff-$(x)|name=\xff-$(x)|basename=\xff-$(x)|" + www +
				"sourcePath=/srv/www/\xff-$(x)|sourcePathname=/srv/www/\xff-$(x)"},
		{event.Event{Op: event.Rescan, Path: "", IsDir: true},
			"etype=Rescan|isdir=true|path=/|pathname=/|name=|basename=|" + www + "sourcePath=/srv/www/|sourcePathname=/srv/www"},
	}
	for _, tt := range tests {
		_, err := vm.Filter(context.Background(), 0, tt.ev)
		if err == nil || !strings.HasSuffix(err.Error(), "filter function: "+tt.want) {
			t.Errorf("event %v:\n got %v\nwant ...%q", tt.ev, err, tt.want)
		}
	}
}

func TestFilterEventReadOnly(t *testing.T) {
	vm := startVM(t, `sync{ default.direct, source = "/a", target = "/b",
	filter = function(event)
		assert(tostring(event) == 'event: Create file "f"')
		event.path = "/x"
	end }`)
	_, err := vm.Filter(context.Background(), 0, event.Event{Op: event.Create, Path: "f"})
	if err == nil || !strings.Contains(err.Error(), `cfg.lua:4: the event is read-only (setting "path")`) {
		t.Errorf("err = %v", err)
	}
}

func TestNoSyncAfterLoad(t *testing.T) {
	vm := startVM(t, `sync{ default.direct, source = "/a", target = "/b",
	filter = function(event)
		if event.basename == "sync" then sync{ default.direct, source = "/c", target = "/d" } end
		settings{ maxProcesses = 9 }
	end }`)
	for _, tt := range []struct{ name, want string }{
		{"sync", `cfg.lua:3: sync{}: may only be used while the config loads`},
		{"settings", `cfg.lua:4: settings{}: may only be used while the config loads`},
	} {
		_, err := vm.Filter(context.Background(), 0, event.Event{Op: event.Create, Path: tt.name})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestFilterRuntimeError(t *testing.T) {
	vm := startVM(t, `
sync{ default.direct, source = "/a", target = "/b", name = "web",
	filter = function(event)
		return event.nope.x
	end }`)
	keep, err := vm.Filter(context.Background(), 0, event.Event{Op: event.Create, Path: "f"})
	want := `sync "web": filter function: cfg.lua:4: attempt to index a non-table object(nil) with key 'x'`
	if !keep || err == nil || err.Error() != want {
		t.Errorf("Filter = %v, %v; want true and %q", keep, err, want)
	}
}

// TestFilterRunaway: a filter that never returns is interrupted after
// FilterTimeout, and the VM keeps serving.
func TestFilterRunaway(t *testing.T) {
	vm, _, err := LoadString("cfg.lua", `
sync{ default.direct, source = "/a", target = "/b",
	filter = function(event)
		if event.basename == "spin" then
			while true do end
		end
		return false
	end }`)
	if err != nil {
		t.Fatal(err)
	}
	vm.FilterTimeout = 50 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer vm.Close()
	defer cancel()
	go vm.Run(ctx)

	keep, err := vm.Filter(ctx, 0, event.Event{Op: event.Modify, Path: "spin"})
	if !keep || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "still running after 50ms, stopped at cfg.lua:5") {
		t.Errorf("Filter(spin) = %v, %v; want true and an interrupted error at line 5", keep, err)
	}
	if keep, err := vm.Filter(ctx, 0, event.Event{Op: event.Modify, Path: "ok"}); keep || err != nil {
		t.Errorf("Filter after a runaway = %v, %v; want false, nil", keep, err)
	}
}

// TestFilterCallerContext: a caller's cancelled ctx ends its wait, and
// does not disturb other callers.
func TestFilterCallerContext(t *testing.T) {
	vm := startVM(t, `sync{ default.direct, source = "/a", target = "/b", filter = function() return false end }`)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if keep, err := vm.Filter(ctx, 0, event.Event{Op: event.Create, Path: "f"}); !keep || !errors.Is(err, context.Canceled) {
		t.Errorf("Filter(cancelled) = %v, %v; want true, context.Canceled", keep, err)
	}
	if keep, err := vm.Filter(context.Background(), 0, event.Event{Op: event.Create, Path: "f"}); keep || err != nil {
		t.Errorf("Filter = %v, %v; want false, nil", keep, err)
	}
}

// TestFilterConcurrent calls one VM from many goroutines; run with -race.
func TestFilterConcurrent(t *testing.T) {
	vm := startVM(t, `
count = 0
for i = 1, 3 do
	sync{ default.direct, source = "/s" .. i, target = "/t" .. i,
		filter = function(event)
			count = count + 1
			return event.basename:sub(1, 4) == "keep"
		end }
end`)
	var wg sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg.Go(func() {
			for i := 0; i < 200; i++ {
				name := fmt.Sprintf("drop-%d-%d", g, i)
				if i%2 == 0 {
					name = fmt.Sprintf("keep-%d-%d", g, i)
				}
				keep, err := vm.Filter(context.Background(), (g+i)%3, event.Event{Op: event.Modify, Path: "d/" + name})
				if err != nil || keep != (i%2 == 0) {
					t.Errorf("Filter(%s) = %v, %v", name, keep, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestRunAndClose(t *testing.T) {
	vm, _, err := LoadString("cfg.lua", `sync{ default.direct, source = "/a", target = "/b", filter = function() return true end }`)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- vm.Run(ctx) }()
	if _, err := vm.Filter(ctx, 0, event.Event{Op: event.Create, Path: "f"}); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-errc; err != nil {
		t.Errorf("Run() = %v after cancel, want nil", err)
	}
	if _, err := vm.Filter(context.Background(), 0, event.Event{Op: event.Create, Path: "f"}); !errors.Is(err, ErrStopped) {
		t.Errorf("Filter after Run returned: %v, want ErrStopped", err)
	}
	if err := vm.Run(context.Background()); err == nil {
		t.Error("second Run succeeded")
	}
	vm.Close()
	vm.Close()
	if err := vm.Run(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("Run after Close = %v, want ErrClosed", err)
	}
}

// TestCloseStopsRun: Close alone ends Run, and unblocks waiting callers.
func TestCloseStopsRun(t *testing.T) {
	vm, _, err := LoadString("cfg.lua", `sync{ default.direct, source = "/a", target = "/b", filter = function() return true end }`)
	if err != nil {
		t.Fatal(err)
	}
	// Never started: a caller waits until Close.
	errc := make(chan error, 1)
	go func() {
		_, err := vm.Filter(context.Background(), 0, event.Event{Op: event.Create, Path: "f"})
		errc <- err
	}()
	vm.Close()
	if err := <-errc; !errors.Is(err, ErrClosed) {
		t.Errorf("Filter on a closed VM = %v, want ErrClosed", err)
	}

	vm2, _, err := LoadString("cfg.lua", `sync{ default.direct, source = "/a", target = "/b" }`)
	if err != nil {
		t.Fatal(err)
	}
	runErr := make(chan error, 1)
	go func() { runErr <- vm2.Run(context.Background()) }()
	vm2.Close()
	select {
	case err := <-runErr:
		if err != nil && !errors.Is(err, ErrClosed) {
			t.Errorf("Run() = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after Close")
	}
}

func TestFilterSeesSizeAndOp(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "big"), make([]byte, 5000), 0o644); err != nil {
		t.Fatal(err)
	}
	vm := startVM(t, fmt.Sprintf(`sync{ default.direct, source = %q, target = "/b",
		filter = function(e) return e.isdir or (e.op == "Create" and (e.size or 0) < 4096) end }`, dir))
	for _, tt := range []struct {
		ev   event.Event
		want bool
	}{
		{event.Event{Op: event.Create, Path: "big"}, false},
		{event.Event{Op: event.Create, Path: "gone"}, true},           // size nil: 0
		{event.Event{Op: event.Create, Path: "big", Size: 10}, true},  // as the watcher knew it
		{event.Event{Op: event.Modify, Path: "small"}, false},         // op
		{event.Event{Op: event.Create, Path: "d", IsDir: true}, true}, // a directory has no size
	} {
		got, err := vm.Filter(context.Background(), 0, tt.ev)
		if err != nil || got != tt.want {
			t.Errorf("Filter(%v) = %v, %v; want %v", tt.ev, got, err, tt.want)
		}
	}
}

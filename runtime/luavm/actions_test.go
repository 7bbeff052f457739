package luavm

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/event"
)

// oddName holds what a file name may: spaces, a newline, quotes, a leading
// dash, a command substitution and a byte that is not UTF-8.
const oddName = "-x \"q\" 'a'\n$(touch pwned) \xff.txt"

// actionVM loads an action config (source is "/src") and runs the VM.
func actionVM(t *testing.T, src string) *VM {
	t.Helper()
	vm := startVM(t, src)
	vm.ActionTimeout = 2 * time.Second
	return vm
}

func deliver(t *testing.T, vm *VM, index int, id uint64, evs ...event.Event) event.Step {
	t.Helper()
	step, err := vm.Deliver(context.Background(), index, id, evs)
	if err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	return step
}

func collect(t *testing.T, vm *VM, index int, agent int64, code int) event.Step {
	t.Helper()
	step, err := vm.Collect(context.Background(), index, agent, code, nil)
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}
	return step
}

func wantArgv(t *testing.T, step event.Step, want ...[]string) {
	t.Helper()
	if len(step.Spawns) != len(want) {
		t.Fatalf("spawns = %+v, want %d", step.Spawns, len(want))
	}
	for i, w := range want {
		if !slices.Equal(step.Spawns[i].Argv, w) {
			t.Errorf("spawn %d argv = %q\nwant %q", i, step.Spawns[i].Argv, w)
		}
	}
}

func TestLayer3Binary(t *testing.T) {
	vm := actionVM(t, `sync{ source = "/src", target = "/trg/",
		onCreate = "/bin/echo create ^pathname in ^pathdir from ^sourcePath to ^targetPathdir",
		onMove = '/bin/mv "^o.targetPath" ^d.targetPath' }`)
	step := deliver(t, vm, 0, 1, event.Event{Op: event.Create, Path: "d/" + oddName})
	wantArgv(t, step, []string{"/bin/echo", "create", "d/" + oddName, "in", "d/", "from", "/src/d/" + oddName, "to", "/trg/d/"})
	step = collect(t, vm, 0, step.Spawns[0].Agent, 0)
	if len(step.Settled) != 1 || step.Settled[0].Batch != 1 || step.Settled[0].Outcomes[0] != event.OK {
		t.Fatalf("settled = %+v, want batch 1 OK", step.Settled)
	}
	step = deliver(t, vm, 0, 2, event.Event{Op: event.Move, From: "a b", Path: "c d", IsDir: true})
	wantArgv(t, step, []string{"/bin/mv", "/trg/a b/", "/trg/c d/"})
}

func TestLayer3Shell(t *testing.T) {
	vm := actionVM(t, `sync{ source = "/src", target = "/trg/",
		onCreate = [[cp -r ^sourcePath ^targetPathdir && echo "^sourcePath"]],
		onDelete = "^/bin/rm -rf ^targetPath" }`)
	step := deliver(t, vm, 0, 1, event.Event{Op: event.Create, Path: oddName})
	wantArgv(t, step, []string{"/bin/sh", "-c", `cp -r "$1" "$2" && echo ""$1""`, "/bin/sh", "/src/" + oddName, "/trg/"})
	step = deliver(t, vm, 0, 2, event.Event{Op: event.Delete, Path: "x"})
	if len(step.Spawns) != 0 {
		t.Fatalf("a second process ran with maxProcesses = 1: %+v", step.Spawns)
	}
	step = collect(t, vm, 0, 1, 0)
	wantArgv(t, step, []string{"/bin/sh", "-c", `/bin/rm -rf "$1"`, "/bin/sh", "/trg/x"})
}

// A sync without onMove gets a move as a delete of the old name and a
// create of the new one, as lsyncd does; the move's outcome is the worse.
func TestMoveSplitWithoutOnMove(t *testing.T) {
	vm := actionVM(t, `sync{ source = "/src", maxProcesses = 2,
		onCreate = "/bin/c ^path", onDelete = "/bin/d ^path",
		exitcodes = { [0] = "ok", [3] = "again" } }`)
	step := deliver(t, vm, 0, 7, event.Event{Op: event.Move, From: "old", Path: "new"})
	wantArgv(t, step, []string{"/bin/d", "old"}, []string{"/bin/c", "new"})
	if st := collect(t, vm, 0, step.Spawns[0].Agent, 0); len(st.Settled) != 0 {
		t.Fatalf("settled after one of two: %+v", st.Settled)
	}
	st := collect(t, vm, 0, step.Spawns[1].Agent, 3)
	if len(st.Settled) != 1 || st.Settled[0].Outcomes[0] != event.Retry {
		t.Fatalf("settled = %+v, want the move retried", st.Settled)
	}
}

func TestLayer2SpawnArgv(t *testing.T) {
	vm := actionVM(t, `sync{ source = "/src", maxProcesses = 4,
		onModify = function(event)
			spawn(event, "/usr/bin/printf", "%s", { event.sourcePath, event.basename }, "<", "in:" .. event.path)
		end,
		onAttrib = function(event) spawnShell(event, 'echo "$1"', event.pathname) end,
		onCreate = function(event) end }`)
	step := deliver(t, vm, 0, 1,
		event.Event{Op: event.Modify, Path: oddName},
		event.Event{Op: event.Attrib, Path: "dir", IsDir: true},
		event.Event{Op: event.Create, Path: "ignored"})
	wantArgv(t, step, []string{"/usr/bin/printf", "%s", "/src/" + oddName, oddName},
		[]string{"/bin/sh", "-c", `echo "$1"`, "/bin/sh", "dir"})
	if !step.Spawns[0].HasStdin || step.Spawns[0].Stdin != "in:"+oddName || step.Spawns[1].HasStdin {
		t.Errorf("stdin = %q/%v, %v", step.Spawns[0].Stdin, step.Spawns[0].HasStdin, step.Spawns[1].HasStdin)
	}
}

// A layer 1 action that takes every waiting event at once and runs one
// command for them all.
func TestLayer1CollectsAList(t *testing.T) {
	vm := actionVM(t, `sync{ source = "/src", maxProcesses = 2,
		action = function(inlet)
			local list = inlet.getEvents(function(e) return e.etype ~= "Delete" end)
			if list.size() == 0 then list = inlet.getEvents() end
			local paths = list.getPaths(function(etype, p1, p2) return etype .. ":" .. p1, p2 end)
			spawn(list, "/bin/sink", "<", table.concat(paths, "\0"))
		end,
		collect = function(agent, code)
			assert(agent.isList, "a list")
			if code == 1 then return "again" end
			return "ok"
		end }`)
	step := deliver(t, vm, 0, 1,
		event.Event{Op: event.Create, Path: "a"},
		event.Event{Op: event.Delete, Path: "b"},
		event.Event{Op: event.Move, From: "c", Path: "d"},
		event.Event{Op: event.Modify, Path: "e"})
	// Without onMove the move is a Delete and a Create: the first call
	// leaves both Deletes, so it takes a, d and e; a second call gets the
	// two Deletes.
	if len(step.Spawns) != 2 {
		t.Fatalf("spawns = %+v", step.Spawns)
	}
	if got := step.Spawns[0].Stdin; got != "Create:a\x00Create:d\x00Modify:e" {
		t.Errorf("first list = %q", got)
	}
	if got := step.Spawns[1].Stdin; got != "Delete:b\x00Delete:c" {
		t.Errorf("second list = %q", got)
	}
}

func TestCollectOutcomes(t *testing.T) {
	vm := actionVM(t, `
local s = { onCreate = "/bin/true ^path", exitcodes = { [0] = "ok", [5] = "again", [9] = "die" }, maxProcesses = 10 }
sync{ s, source = "/src" }
sync{ s, source = "/other" }`)
	step := deliver(t, vm, 0, 1, event.Event{Op: event.Create, Path: "a"}, event.Event{Op: event.Create, Path: "b"})
	st := collect(t, vm, 0, step.Spawns[0].Agent, 5)
	if len(st.Settled) != 0 {
		t.Fatalf("settled early: %+v", st.Settled)
	}
	st = collect(t, vm, 0, step.Spawns[1].Agent, 0)
	if len(st.Settled) != 1 || st.Settled[0].Outcomes[0] != event.Retry || st.Settled[0].Outcomes[1] != event.OK {
		t.Fatalf("settled = %+v, want retry, ok", st.Settled)
	}
	// die stops sync 0 with everything it holds; sync 1 goes on.
	step = deliver(t, vm, 0, 2, event.Event{Op: event.Create, Path: "c"}, event.Event{Op: event.Create, Path: "d"})
	st = collect(t, vm, 0, step.Spawns[0].Agent, 9)
	if len(st.Settled) != 0 {
		t.Fatalf("settled while d still runs: %+v", st.Settled)
	}
	st = collect(t, vm, 0, step.Spawns[1].Agent, 0)
	if len(st.Settled) != 1 || !st.Settled[0].Died || st.Settled[0].Outcomes[0] != event.Fail {
		t.Fatalf("settled = %+v, want died", st.Settled)
	}
	st = deliver(t, vm, 0, 3, event.Event{Op: event.Create, Path: "e"})
	if len(st.Spawns) != 0 || len(st.Settled) != 1 || st.Settled[0].Outcomes[0] != event.Fail {
		t.Fatalf("a dead sync took more: %+v", st)
	}
	st = deliver(t, vm, 1, 4, event.Event{Op: event.Create, Path: "f"})
	wantArgv(t, st, []string{"/bin/true", "f"})
}

// The default collect: 0 is ok, anything else dies (lsyncd's default).
func TestDefaultCollectDies(t *testing.T) {
	vm := actionVM(t, `sync{ source = "/src", onCreate = "/bin/false" }`)
	step := deliver(t, vm, 0, 1, event.Event{Op: event.Create, Path: "a"})
	st := collect(t, vm, 0, step.Spawns[0].Agent, 1)
	if len(st.Settled) != 1 || !st.Settled[0].Died {
		t.Fatalf("settled = %+v, want died", st.Settled)
	}
}

func TestActionFailuresRetry(t *testing.T) {
	vm := actionVM(t, `sync{ source = "/src",
		action = function(inlet)
			local e = inlet.getEvent()
			if e.path == "boom" then error("boom!") end
			if e.path == "loop" then while true do end end
			if e.path == "undecided" then return end
			inlet.discardEvent(e)
		end }`)
	vm.ActionTimeout = 200 * time.Millisecond
	for i, p := range []string{"boom", "loop", "undecided", "fine"} {
		st := deliver(t, vm, 0, uint64(i+1), event.Event{Op: event.Create, Path: p})
		want := event.Retry
		if p == "fine" {
			want = event.OK
		}
		if len(st.Settled) != 1 || st.Settled[0].Outcomes[0] != want {
			t.Fatalf("%s: settled = %+v, want %v", p, st.Settled, want)
		}
		if why := st.Settled[0].Why[0]; p == "boom" && !strings.Contains(why, "cfg.lua:4: boom!") {
			t.Errorf("boom: why = %q, want the file and line", why)
		}
		if why := st.Settled[0].Why[0]; p == "loop" && !strings.Contains(why, "still running after 200ms, interrupted at cfg.lua:5") {
			t.Errorf("loop: why = %q, want the time limit, file and line", why)
		}
	}
}

func TestStartupAndBlanket(t *testing.T) {
	vm := actionVM(t, `sync{ source = "/src", maxProcesses = 5,
		onStartup = "/bin/start ^source",
		action = function(inlet)
			local e = inlet.getEvent()
			if e.etype == "Blanket" then spawn(e, "/bin/after") return end
			inlet.createBlanketEvent()
			spawn(e, "/bin/each", e.path)
		end }`)
	step := deliver(t, vm, 0, 1, event.Event{Op: event.Rescan, Path: "", IsDir: true},
		event.Event{Op: event.Create, Path: "a"})
	// The Init blocks what comes after it.
	wantArgv(t, step, []string{"/bin/start", "/src/"})
	step = collect(t, vm, 0, step.Spawns[0].Agent, 0)
	wantArgv(t, step, []string{"/bin/each", "a"})
	// The blanket waits for a to finish, and the batch for the blanket.
	step = collect(t, vm, 0, step.Spawns[0].Agent, 0)
	wantArgv(t, step, []string{"/bin/after"})
	if len(step.Settled) != 0 {
		t.Fatalf("settled before the blanket ran: %+v", step.Settled)
	}
	step = collect(t, vm, 0, step.Spawns[0].Agent, 0)
	if len(step.Settled) != 1 {
		t.Fatalf("settled = %+v", step.Settled)
	}
}

func TestAlarmSpawns(t *testing.T) {
	vm := startVM(t, `
local in1 = sync{ source = "/src", onCreate = "/bin/true", init = false }
local function beep(when, extra)
	spawn(extra.inlet.createBlanketEvent(), "/bin/echo", extra.message)
end
alarm(now() + 0.05, beep, { inlet = in1, message = "Beep" })`)
	got := make(chan event.Step, 1)
	vm.Listen(0, func(st event.Step) { got <- st })
	select {
	case st := <-got:
		wantArgv(t, st, []string{"/bin/echo", "Beep"})
	case <-time.After(10 * time.Second):
		t.Fatal("the alarm did not spawn")
	}
}

func TestLuasyncExec(t *testing.T) {
	vm := actionVM(t, `sync{ source = "/src",
		onCreate = function(e) luasync.exec{ e, "/bin/sleep", { "30" }, timeout = 0.25, stdin = "x" } end,
		onModify = function(e) luasync.exec{ e, "/bin/true", timeout = -1 } end }`)
	step := deliver(t, vm, 0, 1, event.Event{Op: event.Create, Path: "a"})
	wantArgv(t, step, []string{"/bin/sleep", "30"})
	if sp := step.Spawns[0]; sp.Timeout != 250*time.Millisecond || sp.Stdin != "x" {
		t.Errorf("spawn = %+v, want timeout 250ms and stdin", sp)
	}
	collect(t, vm, 0, step.Spawns[0].Agent, 0)
	step = deliver(t, vm, 0, 2, event.Event{Op: event.Modify, Path: "a"})
	if len(step.Spawns) != 0 || len(step.Settled) != 1 || !strings.Contains(step.Settled[0].Why[0], "timeout must be a number of seconds > 0") {
		t.Errorf("a bad timeout: %+v", step)
	}
}

func TestStringStartsEnds(t *testing.T) {
	vm := startVM(t, `
assert(string.starts("photo.ps", "photo") and not string.starts("photo.ps", "ps"))
assert(string.ends("photo.ps", ".ps") and ("x"):ends("") and not string.ends("photo.ps", ".pdf"))
sync{ source = "/src", onCreate = function(e) if string.ends(e.pathname, ".ps") then spawn(e, "/usr/bin/ps2pdf", e.sourcePath) end end }`)
	st := deliver(t, vm, 0, 1, event.Event{Op: event.Create, Path: "a.ps"})
	wantArgv(t, st, []string{"/usr/bin/ps2pdf", "/src/a.ps"})
	collect(t, vm, 0, st.Spawns[0].Agent, 0)
	if st := deliver(t, vm, 0, 2, event.Event{Op: event.Create, Path: "a.txt"}); len(st.Spawns) != 0 || len(st.Settled) != 1 {
		t.Errorf("a.txt: %+v", st)
	}
}

// A mirror with an action of its own hands events back to the mirror with
// default.<kind>.action(inlet), as lsyncd's configs do; the mirror's
// per-event results decide, and collect sees 0 or 23.
func TestMirrorWithAnAction(t *testing.T) {
	vm := actionVM(t, `sync{ default.rsync, source = "/src", target = "/trg",
		action = function(inlet)
			local e = inlet.getEvent()
			if e.etype ~= "Full" and e.path:match("^skip") then inlet.discardEvent(e) return end
			return default.rsync.action(inlet)
		end }`)
	step := deliver(t, vm, 0, 1, event.Event{Op: event.Create, Path: "skip-me"},
		event.Event{Op: event.Create, Path: "a"}, event.Event{Op: event.Move, From: "b", Path: "c"})
	if len(step.Spawns) != 1 || step.Spawns[0].Mirror == nil || len(step.Spawns[0].Argv) != 0 {
		t.Fatalf("spawns = %+v, want one handed to the mirror", step.Spawns)
	}
	if got, want := step.Spawns[0].Mirror, []event.Ref{{Batch: 1, Index: 1}, {Batch: 1, Index: 2}}; !slices.Equal(got, want) {
		t.Errorf("mirror refs = %v, want %v (the move stays one event)", got, want)
	}
	st, err := vm.Collect(context.Background(), 0, step.Spawns[0].Agent, 23, []event.Result{
		{Outcome: event.OK}, {Outcome: event.Retry, Err: fmt.Errorf("vanished")}})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Settled) != 1 {
		t.Fatalf("settled = %+v", st.Settled)
	}
	o := st.Settled[0].Outcomes
	if o[0] != event.OK || o[1] != event.OK || o[2] != event.Retry || st.Settled[0].Why[2] != "vanished" {
		t.Errorf("outcomes = %v why %v, want ok (discarded), ok, retry (vanished)", o, st.Settled[0].Why)
	}
	// The startup sync goes to the mirror as well (default.rsync.init).
	step = deliver(t, vm, 0, 2, event.Event{Op: event.Rescan, Path: "", IsDir: true})
	if len(step.Spawns) != 1 || !slices.Equal(step.Spawns[0].Mirror, []event.Ref{{Batch: 2, Index: 0}}) {
		t.Errorf("init: spawns = %+v", step.Spawns)
	}
}

// lsyncd's examples/lpostcmd.lua style: a layer on default.rsync declares
// its own keys in checkgauge, and its prepare makes the target from them.
func TestMirrorLayerPrepareMakesTheTarget(t *testing.T) {
	_, cfg, err := LoadString("cfg.lua", `
local post = {
	default.rsync,
	checkgauge = { default.rsync.checkgauge, host = true, targetdir = true, postcmd = true },
	action = function(inlet) return default.rsync.action(inlet) end,
	prepare = function(config, level)
		if not config.target then config.target = config.host .. ":" .. config.targetdir end
		return default.rsync.prepare(config, level)
	end,
}
sync{ post, source = "/src", host = "backup", targetdir = "/srv/copy", postcmd = "/bin/true" }`)
	if err != nil {
		t.Fatal(err)
	}
	if s := cfg.Syncs[0]; s.Target != "backup:/srv/copy" || !s.Actions || s.Kind != "rsync" {
		t.Errorf("sync = kind %q target %q actions %v, want rsync to backup:/srv/copy through actions", s.Kind, s.Target, s.Actions)
	}
}

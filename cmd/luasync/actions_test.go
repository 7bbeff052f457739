package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// actionDirs makes src and dst under a fresh temp dir and a config with
// settings and the given body (%[1]q is src, %[2]q is dst, %[3]q is the
// temp dir).
func actionDirs(t *testing.T, body string) (src, dst, root, cfg string) {
	t.Helper()
	root = t.TempDir()
	src, dst = filepath.Join(root, "src"), filepath.Join(root, "dst")
	must(t, os.Mkdir(src, 0o755))
	must(t, os.Mkdir(dst, 0o755))
	cfg = writeConfig(t, root, fmt.Sprintf(`settings { logLevel = "debug", failLog = %q, shutdownGrace = 3 }
`, filepath.Join(root, "fail.log"))+fmt.Sprintf(body, src+"/", dst+"/", root))
	return src, dst, root, cfg
}

// noPwned fails the test if a file name reached a shell unquoted.
func noPwned(t *testing.T, dirs ...string) {
	t.Helper()
	wd, _ := os.Getwd()
	for _, d := range append(dirs, wd) {
		if _, err := os.Stat(filepath.Join(d, "pwned")); err == nil {
			t.Fatalf("a file name was run by a shell: %s/pwned exists", d)
		}
	}
}

// A layer 3 config in the style of lsyncd's examples/lbash.lua keeps a
// mirror with cp, rm and mv, whatever the names.
func TestLayer3ShellMirror(t *testing.T) {
	src, dst, root, cfg := actionDirs(t, `
local bash = {
	delay = 0.05, maxProcesses = 1,
	onCreate = "cp -a ^sourcePath ^targetPathdir",
	onModify = "cp -a ^sourcePath ^targetPathdir",
	onDelete = "rm -rf ^targetPath",
	onMove   = "mv ^o.targetPath ^d.targetPath",
}
sync{ bash, source = %[1]q, target = %[2]q, init = false }`)
	p := startRunning(t, cfg)
	must(t, os.Mkdir(filepath.Join(src, "d ir"), 0o755))
	for _, n := range oddNames {
		writeFile(t, filepath.Join(src, n), "content of "+n)
		writeFile(t, filepath.Join(src, "d ir", n), n)
	}
	waitIdentical(t, src, dst)
	appendFile(t, filepath.Join(src, "with space"), " and more")
	must(t, os.Rename(filepath.Join(src, "d ir"), filepath.Join(src, "-moved $(dir)")))
	must(t, os.Rename(filepath.Join(src, "new\nline"), filepath.Join(src, "-moved $(dir)", "in\nside")))
	must(t, os.Remove(filepath.Join(src, "-moved $(dir)", "-rf")))
	waitIdentical(t, src, dst)
	noPwned(t, src, dst, root)
	if code, _ := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}
}

// A layer 2 spawn gets its arguments as given: touch gets one argument per
// name, so each name appears in the target exactly.
func TestLayer2SpawnKeepsArgv(t *testing.T) {
	src, dst, root, cfg := actionDirs(t, `
sync{ source = %[1]q, delay = 0.05, maxProcesses = 4, init = false,
	onCreate = function(event)
		if event.isdir then return end
		spawn(event, "/usr/bin/touch", %[2]q .. event.basename)
	end }`)
	startRunning(t, cfg)
	for _, n := range oddNames {
		writeFile(t, filepath.Join(src, n), "x")
	}
	waitFor(t, "every name touched in the target", func() (bool, string) {
		got := names(t, dst)
		return slices.Equal(got, sortedNames()), fmt.Sprintf("%q", got)
	})
	noPwned(t, src, dst, root)
}

// A layer 1 action takes every waiting event at once and runs one process
// for the lot, feeding it the paths on standard input.
func TestLayer1OneProcessForMany(t *testing.T) {
	src, _, root, cfg := actionDirs(t, `
sync{ source = %[1]q, delay = 1, init = false,
	action = function(inlet)
		local list = inlet.getEvents()
		spawn(list, "/bin/sh", "-c", 'cat >> "$1"; echo >> "$2"', "sh", %[3]q .. "/paths", %[3]q .. "/runs",
			"<", table.concat(list.getPaths(), "\0") .. "\0")
	end }`)
	startRunning(t, cfg)
	var want []string
	for i := range 200 {
		n := fmt.Sprintf("f%03d %s", i, oddNames[i%len(oddNames)])
		writeFile(t, filepath.Join(src, n), "x")
		want = append(want, n)
	}
	slices.Sort(want)
	waitFor(t, "every path handed to the action", func() (bool, string) {
		b, _ := os.ReadFile(filepath.Join(root, "paths"))
		got := strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
		slices.Sort(got)
		return slices.Equal(got, want), fmt.Sprintf("%d of %d", len(got), len(want))
	})
	runs, err := os.ReadFile(filepath.Join(root, "runs"))
	must(t, err)
	if n := strings.Count(string(runs), "\n"); n < 1 || n > 20 {
		t.Errorf("%d processes for 200 events; the action should batch them", n)
	}
}

// exitcodes: "again" retries with backoff until the command succeeds;
// "die" stops its own sync only: a mirror next to it goes on, and the
// dead sync's events go to the fail log.
func TestExitcodesAgainAndDie(t *testing.T) {
	src, dst, root, cfg := actionDirs(t, `
sync{ source = %[1]q, target = %[2]q, delay = 0.05, init = false, retry = { initial = 0.1, max = 0.2, attempts = 10 },
	exitcodes = { [0] = "ok", [7] = "again" },
	onCreate = [[if [ -e ^targetPath.ok ]; then cp ^sourcePath ^target; else touch ^targetPath.ok; exit 7; fi]] }
sync{ source = %[1]q, delay = 0.05, init = false, name = "dies", onModify = "/bin/false" }
sync{ default.direct, source = %[1]q, target = %[3]q .. "/mirror", delay = 0.05 }`)
	p := startRunning(t, cfg)
	writeFile(t, filepath.Join(src, "a"), "a")
	waitFor(t, "the retried copy", func() (bool, string) {
		_, err := os.Stat(filepath.Join(dst, "a"))
		return err == nil, p.out.String()
	})
	if !strings.Contains(p.out.String(), "will retry") {
		t.Error("no retry logged")
	}
	appendFile(t, filepath.Join(src, "a"), "more")
	waitFor(t, "the dying sync to stop", func() (bool, string) {
		return strings.Contains(p.out.String(), `sync stopped: a collect returned \"die\"`), p.out.String()
	})
	writeFile(t, filepath.Join(src, "b"), "b")
	appendFile(t, filepath.Join(src, "b"), "b")
	waitIdentical(t, src, filepath.Join(root, "mirror"))
	p.stop(t, syscall.SIGTERM)
	fl, err := os.ReadFile(filepath.Join(root, "fail.log"))
	must(t, err)
	if !strings.Contains(string(fl), `"sink":"dies/actions"`) {
		t.Errorf("the dead sync's events are not in the fail log:\n%s", fl)
	}
}

// onStartup runs once at start, before any event; an alarm fires for real.
func TestStartupAndAlarm(t *testing.T) {
	_, _, root, cfg := actionDirs(t, `
local in1 = sync{ source = %[1]q, onStartup = "touch ^target/started", target = %[3]q }
alarm(now() + 0.5, function(when, extra)
	spawn(extra.inlet.createBlanketEvent(), "/usr/bin/touch", %[3]q .. "/" .. extra.message)
end, { inlet = in1, message = "beep" })`)
	startRunning(t, cfg)
	for _, f := range []string{"started", "beep"} {
		waitFor(t, f, func() (bool, string) {
			_, err := os.Stat(filepath.Join(root, f))
			return err == nil, ""
		})
	}
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	must(t, err)
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	slices.Sort(out)
	return out
}

func sortedNames() []string {
	s := slices.Clone(oddNames)
	slices.Sort(s)
	return s
}

// luasync.exec stops a process that runs past its timeout; collect sees
// 128+SIGTERM.
func TestExecTimeout(t *testing.T) {
	src, _, root, cfg := actionDirs(t, `
sync{ source = %[1]q, delay = 0.05, init = false,
	onCreate = function(e) luasync.exec{ e, "/bin/sleep", "60", timeout = 0.3 } end,
	collect = function(agent, code)
		local f = assert(io.open(%[3]q .. "/code", "w"))
		f:write(tostring(code))
		f:close()
		return "ok"
	end }`)
	startRunning(t, cfg)
	writeFile(t, filepath.Join(src, "a"), "")
	waitFor(t, "the collected exit code", func() (bool, string) {
		b, _ := os.ReadFile(filepath.Join(root, "code"))
		return string(b) == "143", string(b)
	})
}

// inlet.addExclude and rmExclude change what reaches the sync from then
// on, as lsyncd's examples/limagemagic.lua relies on.
func TestInletExcludes(t *testing.T) {
	src, _, root, cfg := actionDirs(t, `
sync{ source = %[1]q, delay = 0.05, init = false,
	action = function(inlet)
		local e = inlet.getEvent()
		if e.basename == "x" then inlet.addExclude("ignored*") end
		if e.basename == "z" then inlet.rmExclude("ignored*") end
		spawn(e, "/usr/bin/touch", %[3]q .. "/seen-" .. e.basename)
	end }`)
	startRunning(t, cfg)
	seen := func(n string) bool {
		_, err := os.Stat(filepath.Join(root, "seen-"+n))
		return err == nil
	}
	for _, step := range []struct{ write, wait string }{{"x", "x"}, {"ignored1", ""}, {"y", "y"}, {"z", "z"}, {"ignored2", "ignored2"}} {
		writeFile(t, filepath.Join(src, step.write), "")
		if step.wait != "" {
			waitFor(t, "seen-"+step.wait, func() (bool, string) { return seen(step.wait), "" })
		}
	}
	if seen("ignored1") {
		t.Error("ignored1 reached the action after addExclude(\"ignored*\")")
	}
}

// A mirror with an action of its own (lsyncd's cron-rsync and lpostcmd
// style): the action drops some events, hands the rest back to the mirror
// with default.direct.action(inlet), and runs a follow-up after each batch.
func TestMirrorWithAnAction(t *testing.T) {
	src, dst, root, cfg := actionDirs(t, `
sync{ default.direct, source = %[1]q, target = %[2]q, delay = 0.05,
	action = function(inlet)
		local e = inlet.getEvent()
		if e.etype == "Blanket" then spawn(e, "/usr/bin/touch", %[3]q .. "/post") return end
		local skip = inlet.getEvents(function(x) return x.pathname:match("^skip") ~= nil end)
		for _, x in ipairs(skip.getList()) do inlet.discardEvent(x) end
		if e.status ~= "wait" then return end
		inlet.createBlanketEvent()
		return default.direct.action(inlet)
	end }`)
	writeFile(t, filepath.Join(src, "before"), "copied by the startup sync")
	p := startRunning(t, cfg)
	// The startup sync copies whatever is there while it runs, skip-me
	// included: the action filters live events only.
	waitFor(t, "the startup sync", func() (bool, string) {
		return strings.Contains(p.out.String(), "full sync complete"), p.out.String()
	})
	writeFile(t, filepath.Join(src, "a"), "a")
	writeFile(t, filepath.Join(src, "skip-me"), "not mirrored")
	must(t, os.Mkdir(filepath.Join(src, "d"), 0o755))
	writeFile(t, filepath.Join(src, "d", "b"), "b")
	waitFor(t, "the mirror and the follow-up", func() (bool, string) {
		got := names(t, dst)
		_, err := os.Stat(filepath.Join(root, "post"))
		return slices.Equal(got, []string{"a", "before", "d"}) && err == nil, fmt.Sprintf("%q post=%v", got, err)
	})
	must(t, os.Rename(filepath.Join(src, "d"), filepath.Join(src, "e")))
	waitFor(t, "the rename", func() (bool, string) {
		got := names(t, dst)
		return slices.Equal(got, []string{"a", "before", "e"}), fmt.Sprintf("%q", got)
	})
}

// An event whose action failed for good is in the fail log; the next start
// replays it to the actions (a full sync would not redo it) and, once
// settled, removes it from the fail log.
func TestActionFailLogReplayed(t *testing.T) {
	src, dst, root, _ := actionDirs(t, "")
	cfg := func(cmd string) string {
		return writeConfig(t, root, fmt.Sprintf(`settings { logLevel = "debug", failLog = %q, shutdownGrace = 3 }
sync{ source = %q, target = %q, delay = 0.05, init = false, retry = { attempts = 1 },
	exitcodes = { [0] = "ok", [1] = "again" }, onCreate = %q }`, filepath.Join(root, "fail.log"), src+"/", dst+"/", cmd))
	}
	p := startRunning(t, cfg("/bin/false"))
	writeFile(t, filepath.Join(src, "a b"), "x")
	waitFor(t, "the event in the fail log", func() (bool, string) {
		b, _ := os.ReadFile(filepath.Join(root, "fail.log"))
		return strings.Contains(string(b), `a b`), p.out.String()
	})
	p.stop(t, syscall.SIGTERM)
	p = startRunning(t, cfg("cp ^sourcePath ^targetPath"))
	waitFor(t, "the replayed copy and an empty fail log", func() (bool, string) {
		_, err := os.Stat(filepath.Join(dst, "a b"))
		b, _ := os.ReadFile(filepath.Join(root, "fail.log"))
		return err == nil && len(strings.TrimSpace(string(b))) == 0, p.out.String()
	})
}

// A slow command on one sync holds back neither another sync's filter
// calls nor its batches: processes are waited for outside the Lua state.
func TestSlowActionDoesNotHoldOthersBack(t *testing.T) {
	src, dst, root, cfg := actionDirs(t, `
sync{ source = %[1]q, delay = 0.05, init = false, onCreate = "/bin/sleep 60", name = "slow" }
sync{ default.direct, source = %[1]q, target = %[3]q .. "/mirror", delay = 0.05,
	filter = function(event) return not event.pathname:match("^/skip") end }`)
	_ = dst
	p := startRunning(t, cfg)
	writeFile(t, filepath.Join(src, "first"), "starts the slow command")
	waitFor(t, "the slow command to start", func() (bool, string) {
		return strings.Contains(p.out.String(), "slow"), p.out.String()
	})
	for i := range 20 {
		writeFile(t, filepath.Join(src, fmt.Sprintf("f%d", i)), "x")
	}
	writeFile(t, filepath.Join(src, "skip-me"), "x")
	waitFor(t, "the mirror, while the slow command runs", func() (bool, string) {
		got := names(t, filepath.Join(root, "mirror"))
		return len(got) == 21 && !slices.Contains(got, "skip-me"), fmt.Sprintf("%q", got)
	})
	if code, took := p.stop(t, syscall.SIGTERM); code != 0 || took > 30*time.Second {
		t.Errorf("exit %d after %v; the slow command should be stopped at shutdown", code, took)
	}
}

// terminate(code) from an action stops luasync as SIGTERM does: 0 exits
// 0, anything else exits 1 and says who asked.
func TestTerminateFromAnAction(t *testing.T) {
	for _, c := range []struct{ code, want int }{{0, 0}, {3, 1}} {
		src, _, _, cfg := actionDirs(t, fmt.Sprintf(`
sync{ source = %%[1]q, delay = 0.05, init = false,
	onCreate = function(event) terminate(%d) end }`, c.code))
		p := startRunning(t, cfg)
		writeFile(t, filepath.Join(src, "stop"), "")
		if got := p.wait(t); got != c.want {
			t.Errorf("terminate(%d): exit %d, want %d\n%s", c.code, got, c.want, p.out.String())
		}
		if c.code != 0 && !strings.Contains(p.out.String(), "an action called terminate(3)") {
			t.Errorf("terminate(3): the exit does not say why:\n%s", p.out.String())
		}
	}
}

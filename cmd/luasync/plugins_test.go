package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/rsync/rsynctest"
)

// testBinaries builds test programs once per test binary run, by package
// path relative to this directory.
var testBinaries = struct {
	sync.Mutex
	built map[string]string
	dir   string
}{built: map[string]string{}}

// testBinary builds the main package at pkg once and returns its path.
func testBinary(t *testing.T, pkg string) string {
	t.Helper()
	testBinaries.Lock()
	defer testBinaries.Unlock()
	if bin, ok := testBinaries.built[pkg]; ok {
		return bin
	}
	if testBinaries.dir == "" {
		dir, err := os.MkdirTemp("", "luasync-testbin-")
		must(t, err)
		testBinaries.dir = dir
	}
	bin := filepath.Join(testBinaries.dir, filepath.Base(pkg))
	out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("build %s: %v\n%s", pkg, err, out)
	}
	testBinaries.built[pkg] = bin
	return bin
}

// testPluginPath is package pluginhost's test plugin (a real third-party
// plugin: it imports only plugins/sdk). Its config says where it records
// each event, and how to misbehave; see its doc comment.
func testPluginPath(t *testing.T) string {
	return testBinary(t, "../../runtime/pluginhost/testdata/testplugin")
}

// testPluginSync makes a source and a config (in root, with fail.log) whose
// one sync feeds the test plugin, which records each event in events;
// the other arguments are more keys of the sync{}, of the plugin{}, and of
// the plugin's config ("k = v, ..."; ROOT in them stands for root). The
// status file is ROOT/status.
func testPluginSync(t *testing.T, syncKeys, pluginKeys, configKeys string) (root, src, events, cfg string) {
	t.Helper()
	root = t.TempDir()
	src, events = filepath.Join(root, "src"), filepath.Join(root, "events")
	must(t, os.Mkdir(src, 0o755))
	more := func(keys string) string {
		if keys == "" {
			return ""
		}
		return strings.ReplaceAll(keys, "ROOT", root) + ","
	}
	cfg = writeConfig(t, root, fmt.Sprintf(`
settings { logLevel = "debug", failLog = %q, shutdownGrace = 3, statusFile = %q, statusInterval = 0.2 }
sync { source = %q, delay = 0.02, %s
       plugins = { plugin{ path = %q, %s config = { log = %q, %s } } } }
`, filepath.Join(root, "fail.log"), filepath.Join(root, "status"), src, more(syncKeys), testPluginPath(t), more(pluginKeys), events, more(configKeys)))
	return root, src, events, cfg
}

// pluginEvent is a line of the test plugin's event log.
type pluginEvent struct {
	pid      int
	op, path string
}

// pluginEvents reads the test plugin's event log (pid, op, quoted path,
// quoted from, a line each).
func pluginEvents(t *testing.T, log string) []pluginEvent {
	t.Helper()
	b, err := os.ReadFile(log)
	if os.IsNotExist(err) {
		return nil
	}
	must(t, err)
	var out []pluginEvent
	for _, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		if line == "" {
			continue
		}
		f := strings.SplitN(line, " ", 3)
		if len(f) != 3 {
			t.Fatalf("test plugin log line %q", line)
		}
		pid, _ := strconv.Atoi(f[0])
		quoted, _, _ := strings.Cut(f[2], `" "`)
		path, err := strconv.Unquote(quoted + `"`)
		if err != nil {
			t.Fatalf("test plugin log line %q: %v", line, err)
		}
		out = append(out, pluginEvent{pid: pid, op: f[1], path: path})
	}
	return out
}

// seenAll reports whether the plugin got an event for every name (or a
// full-tree event, which covers them), and which are missing.
func seenAll(t *testing.T, log string, names []string) (bool, string) {
	seen := map[string]bool{}
	full := false
	for _, e := range pluginEvents(t, log) {
		seen[e.path] = true
		full = full || (e.op == "full" && e.path == "")
	}
	var missing []string
	for _, n := range names {
		if !seen[n] && !full {
			missing = append(missing, n)
		}
	}
	return len(missing) == 0, fmt.Sprintf("%d of %d missing, e.g. %q", len(missing), len(names), head(missing, 5))
}

func numbered(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%04d", prefix, i)
	}
	return out
}

// A command plugin runs its script once per change with the file's
// absolute path as one argument, whatever the name holds, beside the
// sync's mirror; no name reaches a shell.
func TestCommandPluginOddNames(t *testing.T) {
	root := t.TempDir()
	src, dst := filepath.Join(root, "src"), filepath.Join(root, "dst")
	must(t, os.Mkdir(src, 0o755))
	out := filepath.Join(root, "argv")
	script := filepath.Join(root, "hook.sh")
	writeFile(t, script, "#!/bin/sh\nprintf '%s|%s\\0' \"$LUASYNC_OP\" \"$1\" >> "+strconv.Quote(out)+"\n")
	must(t, os.Chmod(script, 0o755))
	cfg := writeConfig(t, root, fmt.Sprintf(`
settings { logLevel = "debug", failLog = %q, shutdownGrace = 3 }
sync { default.direct, source = %q, target = %q, delay = 0.05,
       plugins = { command{ prefix = { %q } } } }
`, filepath.Join(root, "fail.log"), src, dst, script))
	p := startRunning(t, cfg)
	for _, n := range oddNames {
		writeFile(t, filepath.Join(src, n), "x")
	}
	waitIdentical(t, src, dst)
	waitFor(t, "the hook to run for every name", func() (bool, string) {
		b, _ := os.ReadFile(out)
		got := map[string]bool{}
		for _, rec := range strings.Split(string(b), "\x00") {
			if op, path, ok := strings.Cut(rec, "|"); ok && (op == "create" || op == "modify") {
				got[path] = true
			}
		}
		var missing []string
		for _, n := range oddNames {
			if !got[filepath.Join(src, n)] {
				missing = append(missing, n)
			}
		}
		return len(missing) == 0, fmt.Sprintf("missing %q; recorded %q", missing, b)
	})
	noPwned(t, src, dst, root)
	if code, _ := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "fail.log")); len(strings.TrimSpace(string(b))) != 0 {
		t.Errorf("fail log after a clean stop:\n%s", b)
	}
}

// A plugin killed with SIGKILL in the middle of a burst is restarted, and
// every change still reaches it at least once.
func TestPluginKilledMidBurst(t *testing.T) {
	root, src, events, cfg := testPluginSync(t, "batchFiles = 20", "", "delay = 0.05")
	p := startRunning(t, cfg)
	names := numbered("f", 400)
	killed := 0
	for i, n := range names {
		writeFile(t, filepath.Join(src, n), n)
		if i == 200 {
			waitFor(t, "the plugin to handle something", func() (bool, string) {
				return len(pluginEvents(t, events)) > 0, p.out.String()
			})
			killed = pluginEvents(t, events)[0].pid
			must(t, syscall.Kill(killed, syscall.SIGKILL))
		}
	}
	waitFor(t, "every change to reach the plugin", func() (bool, string) { return seenAll(t, events, names) })
	restarted := false
	for _, e := range pluginEvents(t, events) {
		restarted = restarted || e.pid != killed
	}
	if !restarted {
		t.Errorf("no event was handled by a new plugin process after %d was killed", killed)
	}
	waitFor(t, "the status file to count the restart", func() (bool, string) {
		b, _ := os.ReadFile(filepath.Join(root, "status"))
		return strings.Contains(string(b), "plugin testplugin 1.0, pid ") && strings.Contains(string(b), ", restarts 1\n"), string(b)
	})
	if code, _ := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}
}

// A plugin that hangs is killed after its call timeout and restarted; the
// batch it held is sent again.
func TestPluginHangIsKilled(t *testing.T) {
	root, src, events, cfg := testPluginSync(t, "", "callTimeout = 2", `hang = "hang", hang_once = "ROOT/hung"`)
	p := startRunning(t, cfg)
	names := []string{"before", "hang", "after"}
	for _, n := range names {
		writeFile(t, filepath.Join(src, n), n)
	}
	waitFor(t, "every change to reach the plugin past its hang", func() (bool, string) { return seenAll(t, events, names) })
	if _, err := os.Stat(filepath.Join(root, "hung")); err != nil {
		t.Fatalf("the plugin never hung: %v", err)
	}
	if code, _ := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}
}

// luasync killed with SIGKILL in the middle of a burst, and started
// again: every change still reaches the plugin at least once, if only as
// the full-tree event that a plugin gets after luasync did not stop
// cleanly.
func TestLuasyncKilledMidBurst(t *testing.T) {
	root, src, events, cfg := testPluginSync(t, "batchFiles = 10", "", "delay = 0.1")
	failLog := filepath.Join(root, "fail.log")
	p := startRunning(t, cfg)
	names := numbered("f", 300)
	for _, n := range names {
		writeFile(t, filepath.Join(src, n), n)
	}
	waitFor(t, "the plugin to handle something", func() (bool, string) {
		return len(pluginEvents(t, events)) > 0, p.out.String()
	})
	must(t, p.cmd.Process.Kill())
	<-p.done
	pid := pluginEvents(t, events)[0].pid
	syscall.Kill(pid, syscall.SIGKILL) // an orphan would go on handling the old queue; it has none
	if ok, _ := seenAll(t, events, names); ok {
		t.Fatal("every change reached the plugin before luasync was killed: the test proves nothing; make the plugin slower")
	}
	p = startRunning(t, cfg)
	waitFor(t, "every change to reach the plugin after the restart", func() (bool, string) { return seenAll(t, events, names) })
	waitFor(t, "the replayed entries to leave the fail log", func() (bool, string) {
		return strings.Contains(p.out.String(), "replayed fail log events settled"), p.out.String()
	})
	if code, _ := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if b, _ := os.ReadFile(failLog); len(strings.TrimSpace(string(b))) != 0 {
		t.Errorf("fail log after a clean stop:\n%s", b)
	}
}

// A plugin that cannot be started, or that refuses its config, is a
// config error at check and at start: exit 2, with the file, line and key.
func TestPluginConfigErrors(t *testing.T) {
	root := t.TempDir()
	src := filepath.Join(root, "src")
	must(t, os.Mkdir(src, 0o755))
	notPlugin := filepath.Join(root, "not-a-plugin")
	writeFile(t, notPlugin, "#!/bin/sh\necho hello\n")
	must(t, os.Chmod(notPlugin, 0o755))
	for _, tt := range []struct{ name, plugin, want string }{
		{"missing binary", `plugin{ path = "` + root + `/absent" }`, `luasync.lua:4: plugin{} key "path": ` + root + `/absent: no such file or directory`},
		{"not a plugin", `plugin{ path = "` + notPlugin + `" }`, `luasync.lua:4: plugin{}: sync www, plugin not-a-plugin:`},
		{"unknown key", "command{ prefix = \"/bin/true\",\n prefx = 1 }", `luasync.lua:5: command{} (plugin command) key "prefx": unknown key`},
		{"third-party config", `plugin{ path = "` + testPluginPath(t) + `", config = { delay = "soon" } }`,
			`luasync.lua:4: plugin{} (plugin testplugin) key "config.delay"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := writeConfig(t, root, fmt.Sprintf(`
settings { failLog = %q }
sync { name = "www", source = %q, plugins = {
       %s } }
`, filepath.Join(root, "fail.log"), src, tt.plugin))
			for _, verb := range []string{"check", "run"} {
				out, err := exec.Command(binary, verb, cfg).CombinedOutput()
				code := 0
				if ee, ok := err.(*exec.ExitError); ok {
					code = ee.ExitCode()
				}
				if code != 2 || !strings.Contains(string(out), tt.want) {
					t.Errorf("%s: exit %d, output:\n%s\nwant exit 2 and %s", verb, code, out, tt.want)
				}
			}
		})
	}
}

// A plugin with after = "mirror" gets a change only once the target has
// it: while the rsync daemon is down, the hook does not run; once it is
// back, the hook finds the file there.
func TestPluginAfterMirror(t *testing.T) {
	target := rsynctest.StartDaemon(t, rsynctest.DaemonOptions{})
	target.Stop()
	root := t.TempDir()
	src := filepath.Join(root, "src")
	must(t, os.Mkdir(src, 0o755))
	out := filepath.Join(root, "seen")
	script := filepath.Join(root, "hook.sh")
	writeFile(t, script, fmt.Sprintf("#!/bin/sh\nif cmp -s \"$1\" %q/\"$LUASYNC_PATH\"; then echo \"ok $LUASYNC_PATH\"; else echo \"early $LUASYNC_PATH\"; fi >> %q\n",
		target.Dir, out))
	must(t, os.Chmod(script, 0o755))
	cfg := writeConfig(t, root, fmt.Sprintf(`
settings { logLevel = "debug", failLog = %q, shutdownGrace = 3 }
sync { default.rsync, name = "www", source = %q, target = %q, rsync = { password_file = %q },
       init = false, delay = 0.05, retry = { attempts = 100, initial = 0.2, max = 0.5 },
       plugins = { command{ prefix = { %q }, after = "mirror" } } }
`, filepath.Join(root, "fail.log"), src, target.Target(""), target.PasswordFile, script))
	p := startRunning(t, cfg)
	writeFile(t, filepath.Join(src, "page.html"), "new")
	waitFor(t, "the target to refuse a batch", func() (bool, string) {
		return strings.Contains(p.out.String(), "will retry"), p.out.String()
	})
	time.Sleep(time.Second)
	if b, _ := os.ReadFile(out); len(b) != 0 {
		t.Fatalf("the hook ran while the target did not have the change: %q", b)
	}
	target.Start()
	waitFor(t, "the hook, after the target", func() (bool, string) {
		b, _ := os.ReadFile(out)
		return strings.TrimSpace(string(b)) == "ok page.html", string(b)
	})
	if code, _ := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}
}

// An event a plugin fails outright (it will never work) goes to the fail
// log and waits there for the next start, when the cause may be fixed;
// it is not replayed while luasync runs, as events that ran out of
// retries are.
func TestPluginFailWaitsForTheNextStart(t *testing.T) {
	root, src, events, cfg := testPluginSync(t, "retry = { attempts = 2, initial = 0.1, max = 0.3 }", "", `fail = { "bad" }`)
	failLog := filepath.Join(root, "fail.log")
	p := startRunning(t, cfg)
	writeFile(t, filepath.Join(src, "bad"), "x")
	writeFile(t, filepath.Join(src, "good"), "x")
	waitFor(t, "the failed event in the fail log", func() (bool, string) {
		b, _ := os.ReadFile(failLog)
		return strings.Contains(string(b), `"path":"bad"`) && strings.Contains(string(b), `"final":true`), string(b)
	})
	time.Sleep(2 * time.Second) // several retry.max: an in-run replay would have come
	count := func() (n int) {
		for _, e := range pluginEvents(t, events) {
			if e.path == "bad" {
				n++
			}
		}
		return n
	}
	if n := count(); n != 1 {
		t.Fatalf("the plugin got the failed event %d times while luasync ran; want once", n)
	}
	if code, _ := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}
	writeFile(t, cfg, strings.Replace(readFile(t, cfg), `fail = { "bad" }`, `fail = {}`, 1))
	p = startRunning(t, cfg)
	waitFor(t, "the failed event again, at the next start, and the fail log empty", func() (bool, string) {
		b, _ := os.ReadFile(failLog)
		settled := !strings.Contains(string(b), `"path":"bad"`)
		return count() == 2 && settled, string(b)
	})
	if code, _ := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	must(t, err)
	return string(b)
}

// A plugin that takes no replays (Info.NoReplay) never gets an event
// again from the fail log: what it failed stays there for the operator,
// and a start says so.
func TestPluginThatTakesNoReplays(t *testing.T) {
	t.Setenv("TESTPLUGIN_NO_REPLAY", "1") // luasync passes its environment on to the plugin
	root, src, events, cfg := testPluginSync(t, "retry = { attempts = 1, initial = 0.1, max = 0.2 }", "", `fail = { "bad" }`)
	failLog := filepath.Join(root, "fail.log")
	p := startRunning(t, cfg)
	writeFile(t, filepath.Join(src, "bad"), "x")
	waitFor(t, "the failed event in the fail log", func() (bool, string) {
		return strings.Contains(readFileOr(failLog), `"path":"bad"`), readFileOr(failLog)
	})
	if code, _ := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}
	p = startRunning(t, cfg)
	waitFor(t, "the start to say the entry stays", func() (bool, string) {
		return strings.Contains(p.out.String(), "for a plugin that takes no replays; they stay in the fail log"), p.out.String()
	})
	writeFile(t, filepath.Join(src, "later"), "x")
	waitFor(t, "a later change", func() (bool, string) { return seenAll(t, events, []string{"later"}) })
	n := 0
	for _, e := range pluginEvents(t, events) {
		if e.path == "bad" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the plugin got the failed event %d times; want once, no replay", n)
	}
	if code, _ := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if fl := readFileOr(failLog); !strings.Contains(fl, `"path":"bad"`) || strings.Contains(fl, "luasync was running") {
		t.Errorf("fail log after a clean stop: %s\nwant the failed event, and no running entry", fl)
	}
}

func readFileOr(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

package tool

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/luasync/luasync/runtime/luavm"
)

// oddPath is a directory name with the bytes that break naive quoting.
const oddPath = "/tmp/b ench/it's \"q\"\n$(x)\\-\xff"

func testEnv(t *testing.T) Env {
	dir := t.TempDir()
	return Env{
		Source:       filepath.Join(dir, "src"),
		TargetURL:    "rsync://bench@127.0.0.1:8873/mod/",
		TargetDir:    filepath.Join(dir, "mod"),
		PasswordFile: filepath.Join(dir, "pw"),
		Rsync:        filepath.Join(dir, "bin", "rsync"),
		Dir:          dir,
		Bins:         Bins{Luasync: "/x/luasync", Lsyncd: "/usr/bin/lsyncd", InotifyWait: "/usr/bin/inotifywait", Bash: "/bin/bash"},
		LuasyncSink:  SinkRsync,
	}
}

// Each tool starts the way the brief says: lsyncd with its defaults or
// tuned, luasync with its defaults, the loop exactly as the seeds write it.
func TestPlanStartsEachToolAsSpecified(t *testing.T) {
	env := testEnv(t)
	tests := []struct {
		tool              string
		argv0             string
		startup, rsyncRun bool
		group             bool
		contains, absent  []string
	}{
		{Luasync, "/x/luasync", true, true, false,
			[]string{"default.rsync", `target = "rsync://bench@127.0.0.1:8873/mod/"`, "password_file = ", "archive = true"},
			[]string{"delay", "maxProcesses"}},
		{LsyncdDefault, "/usr/bin/lsyncd", true, true, false,
			[]string{"default.rsync", "nodaemon = true", "binary = ", "password_file = ", "archive = true"},
			[]string{"delay", "maxProcesses"}},
		{LsyncdTuned, "/usr/bin/lsyncd", true, true, false,
			[]string{"default.rsync", "delay = 0.1,", "maxProcesses = 4,", "binary = "}, nil},
		{ShellLoop, "/bin/bash", false, false, true,
			[]string{"-mrq --format '%w%f' -e moved_to,delete,create,close_write", "while read line; do rsync -az --delete --password-file="}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.tool, func(t *testing.T) {
			l, err := Plan(tt.tool, env)
			if err != nil {
				t.Fatal(err)
			}
			if l.Argv[0] != tt.argv0 || l.StartupSync != tt.startup || l.StartupRsync != tt.rsyncRun || l.GroupStop != tt.group {
				t.Errorf("Plan = %+v", l)
			}
			text := strings.Join(l.Argv, " ")
			for _, c := range l.Files {
				text += c
			}
			for _, want := range tt.contains {
				if !strings.Contains(text, want) {
					t.Errorf("%s's launch lacks %q:\n%s", tt.tool, want, text)
				}
			}
			for _, bad := range tt.absent {
				if strings.Contains(text, bad) {
					t.Errorf("%s's launch sets %q, but it runs with its defaults:\n%s", tt.tool, bad, text)
				}
			}
		})
	}
	if _, err := Plan("sersync", env); err == nil || !strings.Contains(err.Error(), "lsyncd-tuned") {
		t.Errorf("Plan(sersync) = %v, want an error listing the tools", err)
	}
}

// luasync itself reads the rendered config: the source path survives
// quoting byte for byte, and the direct variant validates.
func TestLuasyncConfigLoadsInLuasync(t *testing.T) {
	env := testEnv(t)
	env.Source = oddPath
	for _, sink := range []string{SinkRsync, SinkDirect} {
		env.LuasyncSink = sink
		vm, cfg, err := luavm.LoadString("bench.lua", LuasyncConfig(env))
		if err != nil {
			t.Fatalf("%s config: %v\n%s", sink, err, LuasyncConfig(env))
		}
		vm.Close()
		if s := cfg.Syncs[0]; s.Source != oddPath || s.Kind != sink {
			t.Errorf("%s config loads as kind %q source %q, want %q", sink, s.Kind, s.Source, oddPath)
		}
	}
	env = testEnv(t)
	env.LuasyncSink = SinkDirect
	for _, d := range []string{env.Source, env.TargetDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	vm, cfg, err := luavm.LoadString("bench.lua", LuasyncConfig(env))
	if err != nil {
		t.Fatal(err)
	}
	defer vm.Close()
	if err := cfg.Validate(); err != nil {
		t.Errorf("direct config does not validate: %v", err)
	}
}

func TestLuaQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain/path", `"plain/path"`},
		{`q"b\`, `"q\"b\\"`},
		{"nl\n0", `"nl\0100"`},
		{"\xff", `"\255"`},
	}
	for _, tt := range tests {
		if got := LuaQuote(tt.in); got != tt.want {
			t.Errorf("LuaQuote(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// The shell itself decides: each quoted word comes back byte for byte.
func TestShQuoteSurvivesTheShell(t *testing.T) {
	for _, s := range []string{"plain", oddPath, "'", "", "-n"} {
		out, err := exec.Command("/bin/sh", "-c", "printf '%s' "+ShQuote(s)).Output()
		if err != nil {
			t.Fatal(err)
		}
		if string(out) != s {
			t.Errorf("sh printed %q for ShQuote(%q)", out, s)
		}
	}
}

func TestShellLoopScriptParses(t *testing.T) {
	env := testEnv(t)
	env.Source = oddPath + "/"
	script := ShellLoopScript(env)
	if out, err := exec.Command("/bin/bash", "-n", "-c", script).CombinedOutput(); err != nil {
		t.Fatalf("bash -n: %v %s\n%s", err, out, script)
	}
	if !strings.Contains(script, ShQuote(oddPath+"/")+" "+ShQuote(env.TargetURL)) {
		t.Errorf("loop does not sync SRC/ to the target:\n%s", script)
	}
}

// The wrapper counts a run and then is the real rsync.
func TestWrapperCountsAndExecs(t *testing.T) {
	real, err := exec.LookPath("rsync")
	if err != nil {
		t.Fatalf("rsync not found (apt-get install -y rsync): %v", err)
	}
	dir := t.TempDir()
	wrapper, counter := filepath.Join(dir, "rsync"), filepath.Join(dir, "it's runs")
	if err := os.WriteFile(wrapper, []byte(WrapperScript(real, counter)), 0o755); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		out, err := exec.Command(wrapper, "--version").Output()
		if err != nil || !strings.HasPrefix(string(out), "rsync") {
			t.Fatalf("wrapper --version = %q, %v", out, err)
		}
	}
	data, err := os.ReadFile(counter)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), "\n"); n != 2 {
		t.Errorf("counter has %d lines after 2 runs, want 2", n)
	}
}

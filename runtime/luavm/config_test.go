package luavm

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/config"
)

// TestLoadEveryKey is the config language: every settings{} and sync{} key,
// and what it becomes.
func TestLoadEveryKey(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "luasync.lua")
	src := `
settings {
	logfile        = "log/luasync.log",
	statusFile     = "/run/luasync.status",
	statusInterval = 30,
	nodaemon       = true,
	inotifyMode    = "CloseWrite or Modify",
	maxProcesses   = 4,
	maxDelays      = 500,
	logLevel       = "debug",
	failLog        = "/var/lib/luasync/fail.log",
	shutdownGrace  = "1m30s",
}

sync {
	default.direct,
	name        = "www",
	source      = "/srv/www/",
	target      = "mirror",
	exclude     = { "*.log", "/cache/" },
	excludeFrom = "excludes.txt",
	filter      = { "+ /public/***", "- *" },
	delay       = 0.25,
	maxWait     = 3,
	batchInterval = 0.5,
	init        = false,
	delete      = false,
	workers     = 8,
	batchFiles  = 50,
	batchBytes  = 1048576,
	junk        = { "*.part" },
	retry       = { attempts = 3, initial = 0.5, max = "10s" },
}

sync { direct, source = "/srv/b", target = "/mnt/b", exclude = "*.tmp", maxProcesses = 3, junk = false }
`
	_, cfg, err := LoadString(name, src)
	if err != nil {
		t.Fatal(err)
	}
	wantSettings := config.Settings{
		LogFile:        filepath.Join(dir, "log/luasync.log"),
		StatusFile:     "/run/luasync.status",
		StatusInterval: 30 * time.Second,
		NoDaemon:       true,
		InotifyMode:    config.CloseWriteOrModify,
		MaxProcesses:   4,
		MaxDelays:      500,
		LogLevel:       "debug",
		FailLog:        "/var/lib/luasync/fail.log",
		ShutdownGrace:  90 * time.Second,
		Pos:            config.Pos{File: name, Line: 2},
	}
	if cfg.Settings != wantSettings {
		t.Errorf("settings:\n got %+v\nwant %+v", cfg.Settings, wantSettings)
	}
	wantSyncs := []config.Sync{{
		Name:          "www",
		Kind:          "direct",
		Source:        "/srv/www",
		Target:        filepath.Join(dir, "mirror"),
		Exclude:       []string{"*.log", "/cache/"},
		ExcludeFrom:   filepath.Join(dir, "excludes.txt"),
		FilterRules:   []string{"+ /public/***", "- *"},
		Junk:          []string{"*.part"},
		Delay:         250 * time.Millisecond,
		MaxWait:       3 * time.Second,
		BatchInterval: 500 * time.Millisecond,
		Init:          false,
		Delete:        false,
		Workers:       8,
		BatchFiles:    50,
		BatchBytes:    1 << 20,
		MaxDelays:     500,
		Retry:         config.Retry{Attempts: 3, Initial: 500 * time.Millisecond, Max: 10 * time.Second},
		Index:         0,
		Pos:           config.Pos{File: name, Line: 15},
	}, {
		Name:          "sync#2",
		Kind:          "direct",
		Source:        "/srv/b",
		Target:        "/mnt/b",
		Exclude:       []string{"*.tmp"},
		Junk:          []string{},
		Delay:         config.DefaultDelay,
		MaxWait:       config.DefaultMaxWait,
		BatchInterval: config.DefaultBatchInterval,
		Init:          true,
		Delete:        true,
		FullDelete:    true,
		Workers:       3,
		BatchFiles:    config.DefaultBatchFiles,
		BatchBytes:    config.DefaultBatchBytes,
		MaxDelays:     500,
		Retry:         config.Retry{Attempts: 5, Initial: time.Second, Max: time.Minute},
		Index:         1,
		Pos:           config.Pos{File: name, Line: 35},
	}}
	if got := cfg.Syncs[0].KeyPos["delay"]; got != (config.Pos{File: name, Line: 23}) {
		t.Errorf("KeyPos[delay] = %v, want line 23, where delay is set", got)
	}
	for i := range cfg.Syncs {
		cfg.Syncs[i].KeyPos = nil
	}
	if !reflect.DeepEqual(cfg.Syncs, wantSyncs) {
		t.Errorf("syncs:\n got %+v\nwant %+v", cfg.Syncs, wantSyncs)
	}
	if cfg.File != name {
		t.Errorf("File = %q, want %q", cfg.File, name)
	}
}

// TestLoadDefaults: a minimal sync{} gets the defaults, including workers
// from a settings{} that comes after it.
func TestLoadDefaults(t *testing.T) {
	_, cfg, err := LoadString("/etc/luasync.lua", `
sync{ default.direct, source = "/a", target = "/b" }
settings{ maxProcesses = 6 }
`)
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Syncs[0]
	if s.Workers != 6 || s.Name != "sync#1" || !s.Init || !s.Delete || s.Junk != nil || s.FilterFunc {
		t.Errorf("got %+v", s)
	}
	if cfg.Settings.InotifyMode != config.CloseWrite || cfg.Settings.LogLevel != "info" {
		t.Errorf("settings defaults not applied: %+v", cfg.Settings)
	}
}

// TestLoadDelayStretchesMaxWait: lsyncd's delay = 15 alone must not be cut
// short by the 2 s MaxWait default.
func TestLoadDelayStretchesMaxWait(t *testing.T) {
	_, cfg, err := LoadString("x.lua", `sync{ default.direct, source = "/a", target = "/b", delay = 15 }`)
	if err != nil {
		t.Fatal(err)
	}
	if s := cfg.Syncs[0]; s.Delay != 15*time.Second || s.MaxWait != 15*time.Second {
		t.Errorf("delay %v maxWait %v, want 15s and 15s", s.Delay, s.MaxWait)
	}
}

// TestLoadLsyncd20Style: lsyncd 2.0 configs assign settings instead of
// calling it, and may set single fields.
func TestLoadLsyncd20Style(t *testing.T) {
	_, cfg, err := LoadString("/etc/lsyncd.conf", `
settings = {
	logfile    = "/var/log/lsyncd.log",
	statusFile = "/var/log/lsyncd.status",
	nodaemon   = true,
}
settings.maxProcesses = 3
sync{
	default.rsync,
	source = "/var/www",
	target = "backup::www",
	rsync  = { archive = true, compress = true },
}
`)
	if err != nil {
		t.Fatal(err)
	}
	st := cfg.Settings
	if st.LogFile != "/var/log/lsyncd.log" || st.StatusFile != "/var/log/lsyncd.status" || !st.NoDaemon || st.MaxProcesses != 3 {
		t.Errorf("settings = %+v", st)
	}
	if st.Pos.Line != 2 {
		t.Errorf("settings Pos = %v, want line 2", st.Pos)
	}
	s := cfg.Syncs[0]
	if s.Kind != "rsync" || s.Target != "backup::www" || s.Source != "/var/www" ||
		!reflect.DeepEqual(s.Rsync.Args, []string{"--archive", "--compress"}) {
		t.Errorf("sync = %+v", s)
	}
	err = cfg.Validate()
	if want := `/etc/lsyncd.conf:10: sync{} key "source": /var/www does not exist`; err == nil || err.Error() != want {
		t.Errorf("Validate() = %v, want only %q", err, want)
	}
}

// TestLoadLsyncd22Style is a typical lsyncd 2.2 config, using Lua 5.2
// functions and the lsyncd table.
func TestLoadLsyncd22Style(t *testing.T) {
	logs := captureLog(t)
	_, cfg, err := LoadString("/etc/lsyncd/lsyncd.conf.lua", `
settings {
	logfile = "/var/log/lsyncd/lsyncd.log",
	statusFile = "/var/log/lsyncd/lsyncd.status",
	inotifyMode = "CloseWrite",
	maxProcesses = 8,
}
local sites = { "alpha", "beta" }
for _, site in ipairs(sites) do
	sync {
		default.direct,
		source = "/srv/" .. site,
		target = "/mnt/backup/" .. site,
		delay = 1,
		exclude = { ".git/", "*.swp" },
		filter = function(event) return not string.match(event.name, "^%.") end,
	}
end
local packed = table.pack(1, 2, 3)
assert(packed.n == 3 and table.unpack(packed) == 1)
assert(rawlen({1, 2}) == 2)
assert(load("return 41 + 1")() == 42)
local env = { x = 7 }
assert(load("return x", "chunk", "t", env)() == 7)
local parts = { "return ", "5" }
assert(load(function() return table.remove(parts, 1) end)() == 5)
lsyncd.log("Normal", "configured ", #sites, " sites")
assert(type(os.time()) == "number" and type(io.write) == "function" and math.floor(1.5) == 1)
`)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Syncs) != 2 {
		t.Fatalf("got %d syncs, want 2", len(cfg.Syncs))
	}
	if want := `level=INFO msg="configured 2 sites" config=/etc/lsyncd/lsyncd.conf.lua`; !strings.Contains(logs.String(), want) {
		t.Errorf("log = %q, want it to contain %q", logs, want)
	}
	for i, site := range []string{"alpha", "beta"} {
		s := cfg.Syncs[i]
		if s.Source != "/srv/"+site || s.Target != "/mnt/backup/"+site || !s.FilterFunc || s.Pos.Line != 10 || s.Index != i {
			t.Errorf("sync %d = %+v", i, s)
		}
	}
}

func TestLsyncdLog(t *testing.T) {
	logs := captureLog(t)
	_, _, err := LoadString("cfg.lua", `
lsyncd.log("Error", "e", 1)
lsyncd.log("Warn", "w")
log("Normal", "n")
log("Exec", "d", true)
sync{ direct, source = "/a", target = "/b" }`)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"level=ERROR msg=e1", "level=WARN msg=w", "level=INFO msg=n", "level=DEBUG msg=dtrue"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log %q does not contain %q", logs, want)
		}
	}
}

// captureLog sends slog's default logger to a buffer for the test.
func captureLog(t *testing.T) *bytes.Buffer {
	var buf bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(old) })
	return &buf
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cfg with space.lua")
	if err := os.WriteFile(path, []byte(`sync{ default.direct, source = "src", target = "../dst" }`), 0o644); err != nil {
		t.Fatal(err)
	}
	vm, cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	defer vm.Close()
	if s := cfg.Syncs[0]; s.Source != filepath.Join(dir, "src") || s.Target != filepath.Join(filepath.Dir(dir), "dst") {
		t.Errorf("paths not resolved against the config's directory: %q %q", s.Source, s.Target)
	}
	_, _, err = Load(filepath.Join(dir, "missing.lua"))
	want := "read config " + filepath.Join(dir, "missing.lua") + ": no such file or directory"
	if err == nil || err.Error() != want || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want %q", err, want)
	}
}

func TestRequireNextToConfig(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "common.lua"), []byte(`return { target = "/mnt/x" }`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, cfg, err := LoadString(filepath.Join(dir, "main.lua"), `
local common = require "common"
sync{ default.direct, source = "/a", target = common.target }`)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Syncs[0].Target != "/mnt/x" {
		t.Errorf("target = %q", cfg.Syncs[0].Target)
	}
}

// TestUserLayers: as in lsyncd, a positional table may be a user layer that
// itself holds default.direct and shared keys.
func TestUserLayers(t *testing.T) {
	_, cfg, err := LoadString("x.lua", `
local base = { default.direct, delay = 5, exclude = { "*.bak" } }
sync{ base, source = "/a", target = "/b" }
sync{ base, source = "/c", target = "/d", delay = 1 }`)
	if err != nil {
		t.Fatal(err)
	}
	a, b := cfg.Syncs[0], cfg.Syncs[1]
	if a.Kind != "direct" || a.Delay != 5*time.Second || len(a.Exclude) != 1 || b.Delay != time.Second {
		t.Errorf("got %+v\n%+v", a, b)
	}
}

// TestLoadThenValidate: the path an operator's config takes, with Validate's
// messages pointing at the config's lines.
func TestLoadThenValidate(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "www"), 0o755); err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(dir, "luasync.lua")
	_, cfg, err := LoadString(name, `
sync{ default.direct, source = "www", target = "mirror" }
sync{ default.direct, source = "nope", target = "www/inside" }
`)
	if err != nil {
		t.Fatal(err)
	}
	err = cfg.Validate()
	for _, want := range []string{
		name + `:3: sync{} key "source": ` + filepath.Join(dir, "nope") + " does not exist",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v\nwant it to contain %q", err, want)
		}
	}
	if strings.Contains(err.Error(), name+":2:") {
		t.Errorf("the valid sync at line 2 was reported: %v", err)
	}
	cfg.Syncs = cfg.Syncs[:1]
	if err := cfg.Validate(); err != nil {
		t.Errorf("Validate() of the valid sync = %v", err)
	}
}

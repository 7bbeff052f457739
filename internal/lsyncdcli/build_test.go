package lsyncdcli

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/config"
)

// TestBuild: each config-less sync becomes the sync{} lsyncd would make of
// it, with paths taken as data and resolved from the working directory.
func TestBuild(t *testing.T) {
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	wd, _ := os.Getwd()
	o, err := Parse([]string{"-sshopts", "-p 2222", "-rsync", "src/", "backup::www", "-rsync", "/srv/a b/", "rel/t",
		"-rsyncssh", "/srv/x", "root@10.0.0.3", "/srv/x", "-direct", "/srv/$(rm -rf)", "/mnt/m"})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := o.Build()
	if err != nil {
		t.Fatal(err)
	}
	type got struct{ Kind, Source, Target, Host, TargetDir, Pos string }
	want := []got{
		{"rsync", filepath.Join(wd, "src"), "backup::www", "", "", "-rsync src/"},
		{"rsync", "/srv/a b", filepath.Join(wd, "rel/t"), "", "", "-rsync /srv/a b/"},
		{"rsyncssh", "/srv/x", "", "root@10.0.0.3", "/srv/x", "-rsyncssh /srv/x"},
		{"direct", "/srv/$(rm -rf)", "/mnt/m", "", "", "-direct /srv/$(rm -rf)"},
	}
	if len(cfg.Syncs) != len(want) {
		t.Fatalf("%d syncs, want %d", len(cfg.Syncs), len(want))
	}
	for i, s := range cfg.Syncs {
		g := got{s.Kind, s.Source, s.Target, s.Host, s.TargetDir, s.Pos.String()}
		if g != want[i] {
			t.Errorf("sync %d = %+v, want %+v", i, g, want[i])
		}
		if s.Index != i || s.Name != "sync#"+string(rune('1'+i)) || !s.Init || !s.Delete || s.Delay != config.DefaultDelay {
			t.Errorf("sync %d lacks luasync's defaults: %+v", i, s)
		}
	}
	if !reflect.DeepEqual(cfg.Syncs[2].SSH.Extra, []string{"-p", "2222"}) || cfg.Syncs[0].SSH.Extra != nil {
		t.Errorf("-sshopts goes to -rsyncssh syncs only: %q, %q", cfg.Syncs[2].SSH.Extra, cfg.Syncs[0].SSH.Extra)
	}
	fl := cfg.Settings.FailLog
	if filepath.Dir(fl) != filepath.Join(state, "luasync") || !strings.HasPrefix(filepath.Base(fl), "lsyncd-") {
		t.Errorf("fail log %s, want lsyncd-*.fail.log in %s/luasync", fl, state)
	}
	again, _ := o.Build()
	other, _ := (&Options{Syncs: o.Syncs[:1]}).Build()
	if again.Settings.FailLog != fl || other.Settings.FailLog == fl {
		t.Errorf("fail log names: same syncs %s and %s, fewer syncs %s", fl, again.Settings.FailLog, other.Settings.FailLog)
	}
}

// TestApply: command-line options override the config's settings.
func TestApply(t *testing.T) {
	wd, _ := os.Getwd()
	cfg := &config.Config{Settings: config.Defaults(), Syncs: []config.Sync{
		{Delay: time.Second, MaxWait: 2 * time.Second}, {Delay: 3 * time.Second, MaxWait: 10 * time.Second}}}
	o, err := Parse([]string{"-delay", "5", "-log", "all", "-log", "scarce", "-logfile", "l.log", "-pidfile", "/run/l.pid", "-onepass", "c.lua"})
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Apply(cfg); err != nil {
		t.Fatal(err)
	}
	s := cfg.Settings
	if s.LogLevel != "warn" || s.LogFile != filepath.Join(wd, "l.log") || s.PidFile != "/run/l.pid" || !s.OnePass || s.NoDaemon {
		t.Errorf("settings = %+v", s)
	}
	if s.Insist == nil || *s.Insist {
		t.Errorf("insist = %v, want false: lsyncd's default", s.Insist)
	}
	for i, want := range [][2]time.Duration{{5 * time.Second, 5 * time.Second}, {5 * time.Second, 10 * time.Second}} {
		if c := cfg.Syncs[i]; c.Delay != want[0] || c.MaxWait != want[1] {
			t.Errorf("sync %d: delay %v maxWait %v, want %v %v", i, c.Delay, c.MaxWait, want[0], want[1])
		}
	}

	yes := true
	cfg.Settings.Insist = &yes
	(&Options{}).Apply(cfg)
	if !*cfg.Settings.Insist {
		t.Errorf("the config's insist = true was overridden")
	}
}

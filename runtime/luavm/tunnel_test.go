package luavm

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/config"
)

// TestTunnel: tunnel{ ... } takes lsyncd 2.3's keys, fills in its defaults
// for the rest, and one tunnel object may serve several syncs.
func TestTunnel(t *testing.T) {
	_, cfg, err := LoadString("cfg.lua", `
local t = tunnel {
    command = {"ssh", "-N", "-L", "localhost:^localport:localhost:873", "user@testmachine"},
    mode = "pool",
    parallel = 2,
    readyDelay = 0.5,
    checkCommand = "rsync rsync://^localhost:^localport/",
    checkExitCodes = 0,
}
sync { default.rsync, tunnel = t, source = "/a", target = "rsync://^localhost:^localport/one" }
sync { default.rsync, tunnel = t, source = "/a", target = "rsync://^localhost:^localport/two" }
sync { default.rsync, tunnel = tunnel{ command = "ssh -N tunnel@host", name = "plain" }, source = "/a", target = "localhost::m" }
sync { default.direct, source = "/a", target = "/b" }
`)
	if err != nil {
		t.Fatal(err)
	}
	want := &config.Tunnel{Name: "tunnel#1", Mode: "pool",
		Command: []string{"ssh", "-N", "-L", "localhost:^localport:localhost:873", "user@testmachine"}, Parallel: 2,
		RetryDelay: 10 * time.Second, ReadyDelay: 500 * time.Millisecond, Localhost: "localhost",
		CheckCommand: []string{"rsync", "rsync://^localhost:^localport/"}, CheckExitCodes: []int{0}, CheckMaxFailed: 5,
		Distribution: "rr", Pos: config.Pos{File: "cfg.lua", Line: 2}}
	if got := cfg.Syncs[0].Tunnel; !reflect.DeepEqual(got, want) {
		t.Errorf("tunnel =\n%+v\nwant\n%+v", got, want)
	}
	if cfg.Syncs[1].Tunnel != cfg.Syncs[0].Tunnel {
		t.Error("two syncs given the same tunnel object got two tunnels")
	}
	plain := cfg.Syncs[2].Tunnel
	if plain == nil || plain.Name != "plain" || plain.Mode != "command" || plain.Parallel != 1 || plain.ReadyDelay != 5*time.Second ||
		!reflect.DeepEqual(plain.Command, []string{"ssh", "-N", "tunnel@host"}) {
		t.Errorf("tunnel with defaults = %+v", plain)
	}
	if cfg.Syncs[3].Tunnel != nil {
		t.Errorf("a sync without a tunnel got %+v", cfg.Syncs[3].Tunnel)
	}
	if len(cfg.Tunnels) != 2 || cfg.Tunnels[0] != cfg.Syncs[0].Tunnel || cfg.Tunnels[1] != plain {
		t.Errorf("config lists tunnels %v, want the two made", cfg.Tunnels)
	}
}

// TestTunnelErrors: a mistake in tunnel{} or in how a sync uses it is a
// config error naming the file, the line and the key.
func TestTunnelErrors(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "src"), 0o755); err != nil {
		t.Fatal(err)
	}
	const ssh = `command = { "ssh", "-N", "-L", "localhost:^localport:localhost:873", "u@h" }`
	tests := []struct {
		name, src, want string
	}{
		{"unknown key", "\ntunnel{ " + ssh + ", paralel = 2 }",
			`cfg.lua:2: tunnel{} key "paralel": unknown key (did you mean "parallel"?)`},
		{"wrong type", "tunnel{ " + ssh + ", readyDelay = true }",
			`cfg.lua:1: tunnel{} key "readyDelay": want seconds`},
		{"command of a wrong type", "tunnel{ command = 5 }",
			`cfg.lua:1: tunnel{} key "command": want a list of arguments`},
		{"command string with quotes", `tunnel{ command = "ssh -o 'A B' h" }`,
			`cfg.lua:1: tunnel{} key "command": a command string with quotes: write it as a list`},
		{"not a table", "tunnel('ssh')",
			`cfg.lua:1: tunnel{}: tunnel takes one table`},
		{"sync tunnel not a tunnel", "sync{ default.rsync, source = 'src', target = 'h::m', tunnel = { mode = 'pool' } }",
			`cfg.lua:1: sync{} key "tunnel": want the result of tunnel{ ... }`},
		{"missing command", "\n\nlocal t = tunnel{ mode = 'pool' }\nsync{ default.rsync, source = 'src', target = 'rsync://^localhost:^localport/m', tunnel = t }",
			`cfg.lua:3: tunnel{} key "command": missing`},
		{"bad mode", "local t = tunnel{ " + ssh + ", mode = 'pol' }",
			`cfg.lua:1: tunnel{} key "mode": "pol" is not one of ["command" "pool"] (did you mean "pool"?)`},
		{"pool target without a port", "local t = tunnel{ " + ssh + ", mode = 'pool' }\nsync{ default.rsync, source = 'src', target = 'localhost::m', tunnel = t }",
			`cfg.lua:2: sync{} key "target": "localhost::m": with a tunnel in pool mode, write the target as rsync://`},
		{"port without a tunnel", "sync{ default.rsync, source = 'src', target = 'rsync://localhost:^localport/m' }",
			`cfg.lua:1: sync{} key "target": "rsync://localhost:^localport/m": ^localport is filled in by a tunnel`},
		{"pool mode on rsyncssh", "local t = tunnel{ " + ssh + ", mode = 'pool' }\nsync{ default.rsyncssh, source = 'src', host = 'h', targetdir = '/d', tunnel = t }",
			`cfg.lua:2: sync{} key "tunnel": pool mode hands out ports that only default.rsync targets can use`},
		{"port in command mode", "local t = tunnel{ " + ssh + " }",
			`cfg.lua:1: tunnel{} key "command": ^localport is given in pool mode only`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, cfg, err := LoadString(filepath.Join(dir, "cfg.lua"), tt.src)
			if err == nil {
				err = cfg.Validate()
			}
			var ce *config.Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %T is not a *config.Error: %v", err, err)
			}
			if !strings.Contains(err.Error(), dir+"/"+tt.want) {
				t.Errorf("error %q\ndoes not contain %q", err, tt.want)
			}
		})
	}
}

package luavm

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/config"
)

// TestPlugins: plugins = { ... } takes the built-in plugins' tables whole
// as their config, plugin{} with its own keys and a config table, and
// records the line of every key, nested ones too, so that a mistake the
// plugin reports can name it.
func TestPlugins(t *testing.T) {
	_, cfg, err := LoadString("/etc/cfg.lua", `
sync {
    default.direct, source = "/a", target = "/b",
    plugins = {
        command{ prefix = { "/opt/hooks/x", "--flag" },
                 include = "%.html$", ignoreError = true },
        cdn{ provider = "purge", base = { "http://a/", "http://b/" },
             headers = {
                 Host = "www.example.com",
             },
             name = "varnish", callTimeout = 30 },
        plugin{ path = "/usr/local/bin/my-plugin", args = { "-v" }, sha256 = "ab",
                mtls = false,
                config = { file = "/tmp/x", n = 3 } },
    },
}
sync { source = "/c", plugins = { socket{ address = "127.0.0.1:8009" } } }
`)
	if err != nil {
		t.Fatal(err)
	}
	got := cfg.Syncs[0].Plugins
	if len(got) != 3 {
		t.Fatalf("plugins = %+v, want 3", got)
	}
	at := func(line int) config.Pos { return config.Pos{File: "/etc/cfg.lua", Line: line} }
	cmd := got[0]
	if cmd.Kind != "command" || cmd.Name != "command" || !cmd.MTLS || cmd.Pos != at(5) ||
		!reflect.DeepEqual(cmd.Config, map[string]any{"prefix": []any{"/opt/hooks/x", "--flag"}, "include": "%.html$", "ignoreError": true}) {
		t.Errorf("command{} = %+v", cmd)
	}
	if cmd.ConfigPos["include"] != at(6) || cmd.ConfigPos["prefix"] != at(5) {
		t.Errorf("command{} key lines = %v", cmd.ConfigPos)
	}
	cdn := got[1]
	if cdn.Name != "varnish" || cdn.CallTimeout != 30*time.Second || cdn.Config["name"] != nil || cdn.Config["callTimeout"] != nil ||
		!reflect.DeepEqual(cdn.Config["headers"], map[string]any{"Host": "www.example.com"}) {
		t.Errorf("cdn{} = %+v", cdn)
	}
	if cdn.ConfigPos["headers.Host"] != at(9) || cdn.ConfigPos["headers"] != at(8) {
		t.Errorf("cdn{} key lines = %v", cdn.ConfigPos)
	}
	if e := cdn.ErrorAt("headers.Host", "bad"); e.Pos != at(9) || !strings.Contains(e.Error(), `cdn{} (plugin varnish) key "headers.Host": bad`) {
		t.Errorf("ErrorAt(headers.Host) = %v at %v", e, e.Pos)
	}
	if e := cdn.ErrorAt("nowhere", "unknown key"); e.Pos != at(7) {
		t.Errorf("ErrorAt(an unknown key) at %v, want the constructor's line", e.Pos)
	}
	ext := got[2]
	if ext.Kind != "plugin" || ext.Name != "my-plugin" || ext.Path != "/usr/local/bin/my-plugin" || ext.MTLS ||
		!reflect.DeepEqual(ext.Args, []string{"-v"}) || ext.SHA256 != "ab" ||
		!reflect.DeepEqual(ext.Config, map[string]any{"file": "/tmp/x", "n": 3.0}) || ext.ConfigPos["file"] != at(14) {
		t.Errorf("plugin{} = %+v", ext)
	}
	if e := ext.ErrorAt("file", "bad"); !strings.Contains(e.Error(), `key "config.file"`) || e.Pos != at(14) {
		t.Errorf("plugin{} ErrorAt(file) = %v", e)
	}
	only := cfg.Syncs[1]
	if only.Kind != "" || len(only.Plugins) != 1 || only.Plugins[0].Config["address"] != "127.0.0.1:8009" {
		t.Errorf("a sync of plugins alone = kind %q, plugins %+v", only.Kind, only.Plugins)
	}
}

// TestPluginErrors: what luasync itself can tell is wrong with a plugin's
// table is a config error at the key's line.
func TestPluginErrors(t *testing.T) {
	for _, tt := range []struct{ name, src, want string }{
		{"not a list", `sync{ source = "/a", plugins = cdn{ base = "http://a/" } }`,
			`cfg.lua:1: sync{} key "plugins": want a list, even of one plugin`},
		{"not a plugin", `sync{ source = "/a", plugins = { { prefix = "/x" } } }`,
			`cfg.lua:1: sync{} key "plugins": element #1: want command{ ... }`},
		{"unknown plugin{} key", "sync{ source = \"/a\", plugins = {\n plugin{ path = \"/bin/true\",\n fil = 1 } } }",
			`cfg.lua:3: plugin{} key "fil": unknown key`},
		{"a function", "sync{ source = \"/a\", plugins = {\n command{ prefix = function() end } } }",
			`cfg.lua:2: command{} key "prefix": a function cannot be passed to a plugin`},
		{"non-UTF-8", "sync{ source = \"/a\", plugins = {\n socket{ address = \"\\255\" } } }",
			`cfg.lua:2: socket{} key "address": a string that is not valid UTF-8`},
		{"two tables", `sync{ source = "/a", plugins = { command({}, {}) } }`,
			`cfg.lua:1: command{}: command takes one table`},
		{"bad callTimeout", "sync{ source = \"/a\", plugins = {\n cdn{ base = \"http://a/\",\n callTimeout = \"soon\" } } }",
			`cfg.lua:3: cdn{} key "callTimeout": want seconds`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := LoadString("cfg.lua", tt.src)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v\nwant it to contain %s", err, tt.want)
			}
		})
	}
}

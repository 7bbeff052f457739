package luavm

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/config"
)

// TestLoadErrors: every mistake Load catches names the file, the line and,
// where there is one, the key.
func TestLoadErrors(t *testing.T) {
	const sync = `sync{ default.direct, source = "/a", target = "/b", `
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"unknown settings key", "settings{ logFile = 'x' }",
			[]string{`cfg.lua:1: settings{} key "logFile": unknown key (did you mean "logfile"?)`}},
		{"unknown key in settings assignment", "\nsettings = {\n maxprocesses = 2 }",
			[]string{`cfg.lua:3: settings{} key "maxprocesses": unknown key (did you mean "maxProcesses"?)`}},
		{"unknown settings field", "settings{}\n\nsettings.statusfile = 'x'",
			[]string{`cfg.lua:3: settings{} key "statusfile": unknown key (did you mean "statusFile"?)`}},
		{"syslog facility", "settings{ logfacility = 'deamon' }",
			[]string{`cfg.lua:1: settings{} key "logfacility": "deamon" is no syslog facility (did you mean "daemon"?)`}},
		{"syslog facility number", "settings{ logfacility = 25 }",
			[]string{`cfg.lua:1: settings{} key "logfacility": 25 is no syslog facility number`}},
		{"bare setting", "settings{ 'nodaemon', 5 }",
			[]string{`cfg.lua:1: settings{}: element #2 is number 5; a bare element names a setting`}},
		{"bare unknown setting", "settings{ 'nodeamon' }",
			[]string{`cfg.lua:1: settings{} key "nodeamon": unknown key (did you mean "nodaemon"?)`}},
		{"settings wrong type", "settings{ maxProcesses = '4' }",
			[]string{`cfg.lua:1: settings{} key "maxProcesses": want a whole number, got the string "4"`}},
		{"settings duration", "settings{ statusInterval = 'often' }",
			[]string{`key "statusInterval": want seconds`}},
		{"settings not a table", "settings = 5",
			[]string{`cfg.lua:1: settings{}: want a table`}},
		{"unknown sync key", "\n" + sync + "sourc = '/x' }",
			[]string{`cfg.lua:2: sync{} key "sourc": unknown key (did you mean "source"?)`}},
		{"source not a string", `sync{ default.direct, source = 5 }`,
			[]string{`cfg.lua:1: sync{} key "source": want a string, got number 5`}},
		{"delay not a duration", sync + "delay = 'soon' }",
			[]string{`key "delay": want seconds (a number such as 1.5) or a duration such as "500ms", got the string "soon"`}},
		{"workers fractional", sync + "workers = 2.5 }",
			[]string{`key "workers": want a whole number, got number 2.5`}},
		{"exclude element", sync + "exclude = { 'a', 5 } }",
			[]string{`key "exclude": element #2: want a string, got number 5`}},
		{"exclude not a list", sync + "exclude = { a = 1 } }",
			[]string{`key "exclude": want a list of strings`}},
		{"junk type", sync + "junk = 5 }",
			[]string{`key "junk": want a list of strings, got number 5`}},
		{"filter type", sync + "filter = 5 }",
			[]string{`key "filter": want a function(event) or a list of rules`}},
		{"retry key", sync + "retry = { attemps = 3 } }",
			[]string{`key "retry": attemps: unknown key (did you mean "attempts"?)`}},
		{"retry value", sync + "retry = { max = true } }",
			[]string{`key "retry": max: want seconds`}},
		{"misspelt handler alone", "local l = { onCreat = 'true' }\nsync{ l, source = '.' }",
			[]string{`key "onCreat": unknown key (did you mean "onCreate"?)`}},
		{"misspelt handler", "sync{ source = '.', onCreat = 'true', onModify = 'true' }",
			[]string{`key "onCreat": unknown handler (did you mean "onCreate"?)`}},
		{"handler of a wrong type", "sync{ source = '.', onCreate = 5 }",
			[]string{`key "onCreate": want a command string or a function(event)`}},
		{"exitcodes value", "sync{ source = '.', onCreate = 'true', exitcodes = { [1] = 'retry' } }",
			[]string{`[1] = the string "retry": each exit code maps to "ok", "again" or "die"`}},
		{"rsync key on direct", sync + "rsync = { compress = true } }",
			[]string{`key "rsync": belongs to default.rsync and default.rsyncssh syncs, not default.direct`}},
		{"workers twice", sync + "workers = 2, maxProcesses = 3 }",
			[]string{`key "workers": workers and maxProcesses are the same setting`}},
		{"misspelt layer", "\n\nsync{ default.direkt, source = '/a' }",
			[]string{`cfg.lua:3: default.direkt does not exist (did you mean default.direct?)`}},
		{"two kinds", "sync{ default.direct, default.rsync, source = '/a' }",
			[]string{`cfg.lua:1: sync{}: two sync kinds, default.direct and default.rsync`}},
		{"positional string", "sync{ default.direct, '/src' }",
			[]string{`cfg.lua:1: sync{}: positional element #2 is the string "/src"; only layer tables`}},
		{"odd key", "sync{ default.direct, [true] = 1 }",
			[]string{`cfg.lua:1: sync{}: unexpected key boolean true`}},
		{"sync not a table", "sync('/a', '/b')",
			[]string{`cfg.lua:1: sync{}: sync takes one table`}},
		{"sync in a helper", "local function mk(src)\n\treturn sync{ default.direct, source = src, target = 3 }\nend\nmk('/a')",
			[]string{`cfg.lua:2: sync{} key "target": want a string, got number 3`}},
		{"syntax error", "sync{ source = '/a' }\nsettings{ x = }",
			[]string{`cfg.lua:2: `, "near '}'"}},
		{"syntax error at end", "sync{ source = '/a'",
			[]string{`cfg.lua:1: unexpected end of the file: the '{' on line 1 is never closed ('}' is missing)`}},
		{"runtime error", "local x\n\nx.y = 1",
			[]string{`cfg.lua:3: attempt to index a non-table object(nil) with key 'y'`}},
		{"error()", "\nerror('boom')",
			[]string{`cfg.lua:2: boom`}},
		{"os.exit", "os.exit(1)",
			[]string{`cfg.lua:1: os.exit is not allowed in a luasync config`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := LoadString("cfg.lua", tt.src)
			if err == nil {
				t.Fatal("LoadString succeeded, want an error")
			}
			var ce *config.Error
			if !errors.As(err, &ce) {
				t.Errorf("error %T is not a *config.Error: %v", err, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "stack traceback") {
				t.Errorf("error carries a Lua traceback: %q", err)
			}
		})
	}
}

func TestLoadEndlessLoop(t *testing.T) {
	defer func(d time.Duration) { loadTimeout = d }(loadTimeout)
	loadTimeout = 50 * time.Millisecond
	_, _, err := LoadString("cfg.lua", "settings{}\nwhile true do end")
	if err == nil || !strings.Contains(err.Error(), "cfg.lua:2: the config did not finish within 50ms") {
		t.Errorf("err = %v, want the loop reported at line 2", err)
	}
}

// TestPcallSeesConfigErrors: a config that pcall()s a bad sync{} gets a
// readable message, as it would from lsyncd.
func TestPcallSeesConfigErrors(t *testing.T) {
	_, _, err := LoadString("cfg.lua", `
local ok, msg = pcall(sync, { default.direct, sourc = "/a" })
assert(not ok)
error("caught: " .. tostring(msg), 0)`)
	if err == nil || !strings.Contains(err.Error(), `caught: cfg.lua:2: sync{} key "sourc": unknown key`) {
		t.Errorf("err = %v", err)
	}
}

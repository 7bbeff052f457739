package luavm

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/luasync/luasync/runtime/config"
	"github.com/luasync/luasync/runtime/event"
)

// TestErrorLines: every mistake names the line to look at. A syntax error
// at the end of the file says what is still open and where it opened; a
// call of what is not a function names the callee; a key that is wrong is
// reported on its own line, in the sync{} table, in a nested table or in
// a layer defined elsewhere.
func TestErrorLines(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"unclosed brace at the end",
			"sync{ default.direct,\n source = '/a',\n target = '/b'\n\n",
			`cfg.lua:3: unexpected end of the file: the '{' on line 1 is never closed ('}' is missing)`},
		{"function without end at the end",
			"sync{ default.direct, source = '/a', target = '/b',\n filter = function(e)\n  return true\n",
			`cfg.lua:3: unexpected end of the file: the 'function' on line 2 is never closed ('end' is missing)`},
		{"function without end before a brace",
			"sync{ default.direct, source = '/a', target = '/b',\n filter = function(e)\n  return true\n}\n",
			`cfg.lua:4: 'end' expected (to close 'function' on line 2) near '}'`},
		{"repeat without until",
			"repeat\n x = 1\n",
			`cfg.lua:2: unexpected end of the file: the 'repeat' on line 1 is never closed ('until' is missing)`},
		{"file ends inside an expression",
			"settings{}\nx = 1 +\n\n",
			`cfg.lua:2: unexpected end of the file after '+'`},
		{"unterminated long string",
			"x = 1\ny = [==[ text\n\nmore\n",
			`cfg.lua:2: the long string opened with '[==[' on this line is never closed (']==]' is missing)`},
		{"unterminated long comment after a line comment",
			"x = 1\n-- a note\n\n--[[ the start\n of a comment\n",
			`cfg.lua:4: the long comment opened with '[[' on this line is never closed (']]' is missing)`},
		{"undefined global called",
			"settings{}\n\nsynk{ default.direct, source = '/a', target = '/b' }",
			`cfg.lua:3: attempt to call a nil value (global 'synk') (did you mean "sync"?)`},
		{"undefined global called over several lines",
			"settings{}\nsynk {\n default.direct,\n source = '/a',\n}",
			`cfg.lua:2: attempt to call a nil value (global 'synk') (did you mean "sync"?)`},
		{"undefined field called",
			"settings{}\nos.exti(1)",
			`cfg.lua:2: attempt to call a nil value (field 'exti') (did you mean "exit"?)`},
		{"undefined method called",
			"box = {}\nfunction box:open() end\nbox:opne()",
			`cfg.lua:3: attempt to call a nil value (method 'opne') (did you mean "open"?)`},
		{"a number called",
			"delay = 5\ndelay()",
			`cfg.lua:2: attempt to call a number value (global 'delay')`},
		{"the argument's call runs first",
			"print(nosuch())",
			`cfg.lua:1: attempt to call a nil value (global 'nosuch')`},
		{"a local is not named as a global",
			"local synk\nsynk()",
			`cfg.lua:2: attempt to call a non-function object`},
		{"misspelt global indexed",
			"sync {\n defualt.rsync,\n source = '/a',\n}",
			`cfg.lua:2: attempt to index a nil value (global 'defualt') with key 'rsync' (did you mean "default"?)`},
		{"a short name gets no guess",
			"foo.bar = 1",
			`cfg.lua:1: attempt to index a nil value (global 'foo') with key 'bar'`},
		{"a local indexed is not named",
			"local t\nt.x = 1",
			`cfg.lua:2: attempt to index a non-table object(nil) with key 'x'`},
		{"unknown key on its own line",
			"sync {\n default.direct,\n source = '/a',\n delya = 1,\n}",
			`cfg.lua:4: sync{} key "delya": unknown key (did you mean "delay"?)`},
		{"wrong type on its own line",
			"sync {\n default.direct,\n source = '/a',\n target = '/b',\n delay = 'soon',\n}",
			`cfg.lua:5: sync{} key "delay": want seconds`},
		{"rsync{} key on its own line",
			"sync {\n default.rsync,\n source = '/a',\n rsync = {\n  archive = true,\n  compres = true,\n },\n}",
			`cfg.lua:6: sync{} key "rsync": compres: unknown key (did you mean "compress"?)`},
		{"ssh{} option on its own line",
			"sync { default.rsyncssh, source = '/a', host = 'h', targetdir = '/t',\n ssh = {\n  options = {\n   Port = {},\n  },\n },\n}",
			`cfg.lua:4: sync{} key "ssh": options: Port: want a string, a number, or true or false`},
		{"retry{} key on its own line",
			"sync { default.direct, source = '/a', target = '/b', retry = {\n attemps = 2 } }",
			`cfg.lua:2: sync{} key "retry": attemps: unknown key (did you mean "attempts"?)`},
		{"key in a layer defined elsewhere",
			"local common = {\n default.direct,\n delya = 1,\n}\n\nsync { common, source = '/a', target = '/b' }",
			`cfg.lua:3: sync{} key "delya": unknown key (did you mean "delay"?)`},
		{"key assigned to a layer later",
			"local common = { default.direct }\ncommon.delya = 1\nsync { common, source = '/a', target = '/b' }",
			`cfg.lua:2: sync{} key "delya": unknown key (did you mean "delay"?)`},
		{"key of a sync built by a function",
			"local function mirror(dir)\n return sync {\n  default.direct, source = dir,\n  target = 7,\n }\nend\nmirror('/a')",
			`cfg.lua:4: sync{} key "target": want a string, got number 7`},
		{"settings{} key on its own line",
			"settings {\n logfile = '/tmp/x',\n\n statusIntervall = 3,\n}",
			`cfg.lua:4: settings{} key "statusIntervall": unknown key (did you mean "statusInterval"?)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := LoadString("cfg.lua", tt.src)
			var ce *config.Error
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v (%T), want a *config.Error", err, err)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error\n %q\nwant it to start with\n %q", err, tt.want)
			}
		})
	}
}

// TestValidateNamesKeyLines: what Validate finds wrong with a key is
// reported on that key's line, also for a key a layer sets.
func TestValidateNamesKeyLines(t *testing.T) {
	_, cfg, err := LoadString("/etc/cfg.lua", `
local remote = {
	default.direct,
	target = "relative/../../x",
}
sync {
	remote,
	source = "/nonexistent/src",
	delay = -1,
}`)
	if err != nil {
		t.Fatal(err)
	}
	got := cfg.Validate().Error()
	for _, want := range []string{
		`/etc/cfg.lua:8: sync{} key "source": /nonexistent/src does not exist`,
		`/etc/cfg.lua:9: sync{} key "delay": -1s: must not be negative`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("Validate() =\n%s\nwant it to contain %q", got, want)
		}
	}
}

// TestKeyedCallGivesOneValue: a call as the last, keyed field of a table
// with positional elements sets only that key (gopher-lua 1.1.1 also put
// its value in the array part, so the sync saw a second positional
// element).
func TestKeyedCallGivesOneValue(t *testing.T) {
	_, cfg, err := LoadString("/etc/cfg.lua", `
local function pick() return "/b", "/c" end
sync { default.direct, source = "/a", target = pick() }`)
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Syncs[0].Target; got != "/b" {
		t.Errorf("target = %q, want /b", got)
	}
}

// TestTablesBuiltLaterAreUnmarked: functions the config defines build
// tables as usual once it has loaded (filters run with the marker still in
// their code).
func TestTablesBuiltLaterAreUnmarked(t *testing.T) {
	vm := startVM(t, `
sync { default.direct, source = "/a", target = "/b",
	filter = function(event)
		local t = { name = event.basename, parts = { event.path } }
		return #t.parts == 1 and t.name ~= "drop"
	end }`)
	for name, want := range map[string]bool{"keep": true, "drop": false} {
		got, err := vm.Filter(context.Background(), 0, event.Event{Op: event.Create, Path: name})
		if err != nil || got != want {
			t.Errorf("filter(%q) = %v, %v; want %v", name, got, err, want)
		}
	}
}

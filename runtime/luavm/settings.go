package luavm

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luasync/luasync/runtime/config"
)

// settingsKeys are the keys of settings{}, as lsyncd spells them.
var settingsKeys = map[string]func(ld *loader, v lua.LValue) error{
	"logfile":        pathSetting(func(s *config.Settings) *string { return &s.LogFile }),
	"statusFile":     pathSetting(func(s *config.Settings) *string { return &s.StatusFile }),
	"failLog":        pathSetting(func(s *config.Settings) *string { return &s.FailLog }),
	"statusInterval": durationSetting(func(s *config.Settings) *time.Duration { return &s.StatusInterval }),
	"shutdownGrace":  durationSetting(func(s *config.Settings) *time.Duration { return &s.ShutdownGrace }),
	"maxProcesses":   intSetting(func(s *config.Settings) *int { return &s.MaxProcesses }),
	"maxDelays":      intSetting(func(s *config.Settings) *int { return &s.MaxDelays }),
	"nodaemon": func(ld *loader, v lua.LValue) (err error) {
		ld.settings.NoDaemon, err = toBool(v)
		return err
	},
	"logLevel": func(ld *loader, v lua.LValue) (err error) {
		ld.settings.LogLevel, err = toString(v)
		return err
	},
	"inotifyMode": func(ld *loader, v lua.LValue) error {
		s, err := toString(v)
		ld.settings.InotifyMode = config.InotifyMode(s)
		return err
	},
	"pidfile": pathSetting(func(s *config.Settings) *string { return &s.PidFile }),
	"logident": func(ld *loader, v lua.LValue) (err error) {
		ld.settings.LogIdent, err = toString(v)
		return err
	},
	"logfacility": facilitySetting,
	"insist": func(ld *loader, v lua.LValue) error {
		b, err := toBool(v)
		ld.settings.Insist = &b
		return err
	},
	"onepass": func(ld *loader, v lua.LValue) (err error) {
		ld.settings.OnePass, err = toBool(v)
		return err
	},
}

// facilitySetting takes a syslog facility by name ("daemon", "local3"; any
// case) or, as lsyncd also does, by its number in syslog.h (LOG_DAEMON is
// 24: the code shifted left by 3).
func facilitySetting(ld *loader, v lua.LValue) error {
	names := slices.Sorted(maps.Keys(config.SyslogFacilities))
	if n, ok := v.(lua.LNumber); ok {
		for _, name := range names {
			if code := config.SyslogFacilities[name]; float64(code<<3) == float64(n) && name != "security" {
				ld.settings.LogFacility = name
				return nil
			}
		}
		return fmt.Errorf("%v is no syslog facility number (LOG_DAEMON is 24, LOG_LOCAL0 128); or give a name: %s", n, strings.Join(names, ", "))
	}
	s, err := toString(v)
	if err != nil {
		return err
	}
	name := strings.ToLower(s)
	if _, ok := config.SyslogFacilities[name]; !ok {
		return fmt.Errorf("%q is no syslog facility%s; one of %s", s, suggestion(name, names), strings.Join(names, ", "))
	}
	ld.settings.LogFacility = name
	return nil
}

func pathSetting(field func(*config.Settings) *string) func(*loader, lua.LValue) error {
	return func(ld *loader, v lua.LValue) error {
		s, err := toString(v)
		*field(&ld.settings) = ld.resolve(s)
		return err
	}
}

func durationSetting(field func(*config.Settings) *time.Duration) func(*loader, lua.LValue) error {
	return func(ld *loader, v lua.LValue) error {
		d, err := toDuration(v)
		*field(&ld.settings) = d
		return err
	}
}

func intSetting(field func(*config.Settings) *int) func(*loader, lua.LValue) error {
	return func(ld *loader, v lua.LValue) error {
		n, err := toInt(v)
		*field(&ld.settings) = n
		return err
	}
}

// installSettings provides settings in all three lsyncd spellings:
// settings{ ... } (lsyncd 2.1+), settings = { ... } (lsyncd 2.0) and
// settings.key = value. The global settings is a proxy table with __call
// and __newindex; it lives in _G's __index, not in _G itself, so that the
// assignment settings = { ... } reaches _G's __newindex instead of
// replacing it.
func (ld *loader) installSettings(L *lua.LState) {
	shadow := L.NewTable() // what the config set, for reading back
	proxy := L.NewTable()
	pmt := L.NewTable()
	pmt.RawSetString("__index", shadow)
	pmt.RawSetString("__call", L.NewFunction(func(L *lua.LState) int {
		if key, ok := L.Get(2).(lua.LString); ok { // settings("insist") reads, as lsyncd's actions do
			L.Push(shadow.RawGet(key))
			return 1
		}
		ld.settingsTable(L, L.Get(2), shadow)
		return 0
	}))
	pmt.RawSetString("__newindex", L.NewFunction(func(L *lua.LState) int {
		pos := ld.settingsPos(L)
		ld.settingsKey(L, pos, L.Get(2), L.Get(3), shadow)
		return 0
	}))
	proxy.Metatable = pmt

	globals := L.NewTable()
	globals.RawSetString("settings", proxy)
	gmt := L.NewTable()
	gmt.RawSetString("__index", globals)
	gmt.RawSetString("__newindex", L.NewFunction(func(L *lua.LState) int {
		if k := L.Get(2); lua.LVAsString(k) == "settings" {
			ld.settingsTable(L, L.Get(3), shadow)
		} else {
			L.RawSet(L.CheckTable(1), k, L.Get(3))
		}
		return 0
	}))
	L.G.Global.Metatable = gmt
}

// settingsPos records where settings were first given and returns where the
// current call is.
func (ld *loader) settingsPos(L *lua.LState) config.Pos {
	ld.checkLoading(L, "settings{}")
	pos := callerPos(L, ld.file)
	if !ld.hasPos {
		ld.settings.Pos, ld.hasPos = pos, true
	}
	return pos
}

func (ld *loader) settingsTable(L *lua.LState, v lua.LValue, shadow *lua.LTable) {
	pos := ld.settingsPos(L)
	t, ok := v.(*lua.LTable)
	if !ok {
		raise(L, &config.Error{Pos: pos, Table: "settings{}", Msg: wantError("a table: settings{ logfile = ... }", v).Error()})
	}
	// lsyncd also takes a bare name for true: settings{ "nodaemon" }.
	for i := 1; i <= t.Len(); i++ {
		name, ok := t.RawGetInt(i).(lua.LString)
		if !ok {
			raise(L, &config.Error{Pos: pos, Table: "settings{}", Msg: fmt.Sprintf(
				"element #%d is %s; a bare element names a setting to turn on, as in settings{ \"nodaemon\" }", i, describe(t.RawGetInt(i)))})
		}
		ld.settingsKey(L, pos, name, lua.LTrue, shadow)
	}
	named := L.NewTable()
	t.ForEach(func(k, v lua.LValue) {
		if n, ok := k.(lua.LNumber); !ok || int(n) < 1 || int(n) > t.Len() || float64(int(n)) != float64(n) {
			named.RawSet(k, v)
		}
	})
	keys, err := stringKeys(named)
	if err != nil {
		raise(L, &config.Error{Pos: pos, Table: "settings{}", Msg: err.Error()})
	}
	for _, k := range keys {
		ld.settingsKey(L, ld.keyAt(t, k, pos), lua.LString(k), t.RawGetString(k), shadow)
	}
}

func (ld *loader) settingsKey(L *lua.LState, pos config.Pos, k, v lua.LValue, shadow *lua.LTable) {
	key, ok := k.(lua.LString)
	if !ok {
		raise(L, &config.Error{Pos: pos, Table: "settings{}", Msg: fmt.Sprintf("unexpected key %s", describe(k))})
	}
	fail := func(msg string) {
		raise(L, &config.Error{Pos: pos, Table: "settings{}", Key: string(key), Msg: msg})
	}
	set, known := settingsKeys[string(key)]
	if !known {
		fail("unknown key" + suggestion(string(key), slices.Sorted(maps.Keys(settingsKeys))))
	}
	if err := set(ld, v); err != nil {
		fail(err.Error())
	}
	shadow.RawSet(key, v)
}

// suggestion formats config.Suggest as a message suffix.
func suggestion(word string, choices []string) string {
	if s := config.Suggest(word, choices); s != "" {
		return fmt.Sprintf(" (did you mean %q?)", s)
	}
	return ""
}

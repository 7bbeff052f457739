package luavm

import (
	"errors"
	"fmt"
	"math"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	lua "github.com/yuin/gopher-lua"

	"github.com/luasync/luasync/runtime/config"
)

// pluginTypeName names the metatable of what command{}, socket{}, cdn{}
// and plugin{} return.
const pluginTypeName = "luasync.plugin"

// pluginOwnKeys are the keys plugin{} itself takes; every other key of a
// built-in plugin's table is the plugin's own config.
var pluginOwnKeys = []string{"name", "path", "args", "sha256", "mtls", "callTimeout", "after", "config"}

// hostKeys are the keys every plugin's table takes for luasync itself.
var hostKeys = []string{"name", "callTimeout", "after"}

// installPlugins provides command{}, socket{}, cdn{} and plugin{}.
func (ld *loader) installPlugins(L *lua.LState) {
	mt := L.NewTypeMetatable(pluginTypeName)
	mt.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
		p := checkPlugin(L, 1)
		L.Push(lua.LString("plugin " + p.Name + " (" + p.Table() + ")"))
		return 1
	}))
	for _, kind := range append(slices.Clone(config.BuiltinPlugins), "plugin") {
		L.SetGlobal(kind, L.NewFunction(func(L *lua.LState) int { return ld.pluginCall(L, kind) }))
	}
}

// pluginCall is command{...}, socket{...}, cdn{...} or plugin{...}: it
// reads the table into a config.Plugin, with the line of every key, and
// returns an object for sync{ plugins = { ... } }. The plugin's own keys
// are checked later, by the plugin (Configure).
func (ld *loader) pluginCall(L *lua.LState, kind string) int {
	table := kind + "{}"
	ld.checkLoading(L, table)
	pos := callerPos(L, ld.file)
	tbl, ok := L.Get(1).(*lua.LTable)
	if !ok || L.GetTop() != 1 {
		raise(L, &config.Error{Pos: pos, Table: table, Msg: kind + " takes one table: " + pluginExample(kind)})
	}
	p := &config.Plugin{Kind: kind, Name: kind, MTLS: true, Pos: pos, KeyPos: map[string]config.Pos{},
		ConfigPos: map[string]config.Pos{}, Config: map[string]any{}}
	keys, err := stringKeys(tbl)
	if err != nil {
		raise(L, &config.Error{Pos: pos, Table: table, Msg: err.Error()})
	}
	for _, key := range keys {
		at := ld.keyAt(tbl, key, pos)
		p.KeyPos[key] = at
		v := tbl.RawGetString(key)
		var err error
		switch {
		case slices.Contains(hostKeys, key):
			err = ld.pluginOwnKey(p, key, v)
		case kind != "plugin":
			p.ConfigPos[key] = at
			p.Config[key], err = ld.pluginValue(v, key, at, p.ConfigPos)
		case slices.Contains(pluginOwnKeys, key):
			err = ld.pluginOwnKey(p, key, v)
		default:
			err = errors.New("unknown key" + suggestion(key, pluginOwnKeys) + "; the plugin's own settings go in config = { ... }")
		}
		if err != nil {
			raise(L, &config.Error{Pos: at, Table: table, Key: key, Msg: err.Error()})
		}
	}
	if kind == "plugin" && p.Name == "plugin" && p.Path != "" && !keysHave(keys, "name") {
		p.Name = filepath.Base(p.Path)
	}
	ud := L.NewUserData()
	ud.Value = p
	L.SetMetatable(ud, L.GetTypeMetatable(pluginTypeName))
	L.Push(ud)
	return 1
}

func keysHave(keys []string, k string) bool { return slices.Contains(keys, k) }

// pluginOwnKey reads one of the keys luasync itself uses.
func (ld *loader) pluginOwnKey(p *config.Plugin, key string, v lua.LValue) (err error) {
	switch key {
	case "name":
		p.Name, err = toString(v)
		if err == nil && p.Name == "" {
			err = errors.New("must not be empty")
		}
	case "callTimeout":
		p.CallTimeout, err = toDuration(v)
	case "after":
		p.After, err = toString(v)
	case "path":
		var path string
		if path, err = toString(v); err == nil {
			p.Path = ld.executable(path)
		}
	case "args":
		p.Args, err = toStringList(v)
	case "sha256":
		p.SHA256, err = toString(v)
	case "mtls":
		p.MTLS, err = toBool(v)
	case "config":
		tbl, ok := v.(*lua.LTable)
		if !ok {
			return wantError("a table of the plugin's settings, such as config = { file = \"/var/log/events\" }", v)
		}
		var conf any
		conf, err = ld.pluginValue(tbl, "", p.KeyPos["config"], p.ConfigPos)
		if m, ok := conf.(map[string]any); ok {
			p.Config = m
		} else if err == nil {
			err = errors.New("want a table of named settings, not a list")
		}
	}
	return err
}

// executable resolves a plugin's path: relative to the config's
// directory when it holds a slash, else looked up in PATH.
func (ld *loader) executable(path string) string {
	if !strings.Contains(path, "/") {
		if found, err := exec.LookPath(path); err == nil {
			return found
		}
		return path
	}
	return ld.resolve(path)
}

// pluginValue converts a Lua value for a plugin's config: strings (valid
// UTF-8), numbers, booleans, lists and tables with string keys. It records
// the line of every nested key in pos, under its dotted name.
func (ld *loader) pluginValue(v lua.LValue, name string, at config.Pos, pos map[string]config.Pos) (any, error) {
	switch x := v.(type) {
	case lua.LString:
		if !utf8.ValidString(string(x)) {
			return nil, errors.New("a string that is not valid UTF-8 cannot be passed to a plugin")
		}
		return string(x), nil
	case lua.LNumber:
		f := float64(x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%v cannot be passed to a plugin", f)
		}
		return f, nil
	case lua.LBool:
		return bool(x), nil
	case *lua.LTable:
		return ld.pluginTable(x, name, at, pos)
	}
	return nil, fmt.Errorf("%s cannot be passed to a plugin (strings, numbers, booleans and tables can)", describe(v))
}

func (ld *loader) pluginTable(t *lua.LTable, name string, at config.Pos, pos map[string]config.Pos) (any, error) {
	if n := t.Len(); n > 0 {
		list := make([]any, n)
		for i := 1; i <= n; i++ {
			sub := name + "[" + strconv.Itoa(i) + "]"
			e, err := ld.pluginValue(t.RawGetInt(i), sub, at, pos)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", sub, err)
			}
			list[i-1] = e
		}
		return list, nil
	}
	keys, err := stringKeys(t)
	if err != nil {
		return nil, err
	}
	m := make(map[string]any, len(keys))
	for _, k := range keys {
		sub := k
		if name != "" {
			sub = name + "." + k
		}
		kat := ld.keyAt(t, k, at)
		pos[sub] = kat
		e, err := ld.pluginValue(t.RawGetString(k), sub, kat, pos)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		m[k] = e
	}
	return m, nil
}

// checkPlugin is argument n as a plugin object, or an argument error.
func checkPlugin(L *lua.LState, n int) *config.Plugin {
	if p, ok := asPlugin(L.Get(n)); ok {
		return p
	}
	L.ArgError(n, "plugin expected")
	return nil
}

func asPlugin(v lua.LValue) (*config.Plugin, bool) {
	ud, ok := v.(*lua.LUserData)
	if !ok {
		return nil, false
	}
	p, ok := ud.Value.(*config.Plugin)
	return p, ok
}

// pluginsKey is sync{ plugins = { command{ ... }, cdn{ ... } } }.
func pluginsKey(d *syncDecl, v lua.LValue) error {
	want := `a list of plugins, such as plugins = { command{ prefix = "/opt/hooks/on-change.sh" }, cdn{ provider = "purge", base = "http://127.0.0.1:6081/" } }`
	if _, single := asPlugin(v); single {
		return errors.New("want a list, even of one plugin: plugins = { " + "cdn{ ... } }")
	}
	tbl, ok := v.(*lua.LTable)
	if !ok {
		return wantError(want, v)
	}
	var list []config.Plugin
	for i := 1; i <= tbl.Len(); i++ {
		p, ok := asPlugin(tbl.RawGetInt(i))
		if !ok {
			return fmt.Errorf("element #%d: %w", i, wantError("command{ ... }, socket{ ... }, cdn{ ... } or plugin{ ... }", tbl.RawGetInt(i)))
		}
		list = append(list, *p)
	}
	d.set(func(c *config.Sync) { c.Plugins = list })
	return nil
}

func pluginExample(kind string) string {
	switch kind {
	case "command":
		return `command{ prefix = "/opt/hooks/on-change.sh" }`
	case "socket":
		return `socket{ address = "127.0.0.1:8009", format = "json" }`
	case "cdn":
		return `cdn{ provider = "purge", base = "http://127.0.0.1:6081/" }`
	}
	return `plugin{ path = "/usr/local/bin/my-plugin", config = { ... } }`
}

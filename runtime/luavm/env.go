package luavm

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/luasync/luasync/runtime/config"
)

// layerKinds are the entries of the global default table. A sync{} names its
// kind by holding one of these tables as a positional element, as in lsyncd.
var layerKinds = []string{"direct", "rsync", "rsyncssh"}

// install sets up the globals a config sees: lsyncd's default layers, sync,
// settings, the lsyncd table, and the Lua 5.2 shims.
func (ld *loader) install(L *lua.LState) {
	installShims(L)
	ld.installActions(L, ld.installLayers(L))
	L.SetGlobal("sync", L.NewFunction(ld.syncCall))
	ld.installTunnel(L)
	ld.installPlugins(L)
	ld.installSettings(L)
	logFn := L.NewFunction(ld.logCall)
	lsyncd := L.NewTable()
	lsyncd.RawSetString("log", logFn)
	L.SetGlobal("lsyncd", lsyncd)
	L.SetGlobal("log", logFn)
	// require() finds modules next to the config first.
	if pkg, ok := L.GetGlobal("package").(*lua.LTable); ok {
		path := lua.LVAsString(pkg.RawGetString("path"))
		pkg.RawSetString("path", lua.LString(filepath.Join(ld.base, "?.lua")+";"+path))
	}
}

// installLayers creates default.direct, default.rsync, default.rsyncssh and
// the lsyncd-style global alias direct. Reading a misspelt entry such as
// default.direkt is an error at that line, rather than a nil that would
// silently leave the sync without a kind.
func (ld *loader) installLayers(L *lua.LState) *lua.LTable {
	ld.layers = map[*lua.LTable]string{}
	def := L.NewTable()
	for _, kind := range layerKinds {
		layer := L.NewTable()
		ld.layers[layer] = kind
		def.RawSetString(kind, layer)
	}
	mt := L.NewTable()
	mt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		name := lua.LVAsString(L.Get(2))
		msg := fmt.Sprintf("default.%s does not exist; the sync kinds are default.%s", name, strings.Join(layerKinds, ", default."))
		if s := config.Suggest(name, layerKinds); s != "" {
			msg = fmt.Sprintf("default.%s does not exist (did you mean default.%s?)", name, s)
		}
		raise(L, &config.Error{Pos: callerPos(L, ld.file), Msg: msg})
		return 0
	}))
	def.Metatable = mt
	L.SetGlobal("default", def)
	L.SetGlobal("direct", def.RawGetString("direct"))
	return def
}

// logCall is lsyncd.log(level, ...): the arguments are concatenated, as
// lsyncd does, and logged through slog at the matching level.
func (ld *loader) logCall(L *lua.LState) int {
	level := slog.LevelInfo
	switch strings.ToLower(L.OptString(1, "normal")) {
	case "error":
		level = slog.LevelError
	case "warn", "warning":
		level = slog.LevelWarn
	case "normal", "info":
	default: // lsyncd's categories: Debug, Exec, Delay, Inotify, ...
		level = slog.LevelDebug
	}
	var msg strings.Builder
	for i := 2; i <= L.GetTop(); i++ {
		msg.WriteString(L.ToStringMeta(L.Get(i)).String())
	}
	slog.Default().Log(context.Background(), level, msg.String(), "config", ld.file)
	return 0
}

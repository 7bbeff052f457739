package luavm

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luasync/luasync/runtime/config"
)

// tunnelTypeName names the metatable of the objects tunnel{} returns.
const tunnelTypeName = "luasync.tunnel"

// tunnelKeys are the keys of tunnel{ ... }, as lsyncd 2.3 spells them;
// see config.Tunnel for what each means.
var tunnelKeys = map[string]func(t *config.Tunnel, v lua.LValue) error{
	"name":      func(t *config.Tunnel, v lua.LValue) (err error) { t.Name, err = toString(v); return err },
	"mode":      func(t *config.Tunnel, v lua.LValue) (err error) { t.Mode, err = toString(v); return err },
	"localhost": func(t *config.Tunnel, v lua.LValue) (err error) { t.Localhost, err = toString(v); return err },
	"distribution": func(t *config.Tunnel, v lua.LValue) (err error) {
		t.Distribution, err = toString(v)
		return err
	},
	"command":        func(t *config.Tunnel, v lua.LValue) (err error) { t.Command, err = toArgv(v); return err },
	"checkCommand":   func(t *config.Tunnel, v lua.LValue) (err error) { t.CheckCommand, err = toArgv(v); return err },
	"parallel":       func(t *config.Tunnel, v lua.LValue) (err error) { t.Parallel, err = toInt(v); return err },
	"checkMaxFailed": func(t *config.Tunnel, v lua.LValue) (err error) { t.CheckMaxFailed, err = toInt(v); return err },
	"retryDelay":     tunnelDelay(func(t *config.Tunnel) *time.Duration { return &t.RetryDelay }),
	"readyDelay":     tunnelDelay(func(t *config.Tunnel) *time.Duration { return &t.ReadyDelay }),
	"checkExitCodes": checkExitCodes,
}

func tunnelDelay(field func(*config.Tunnel) *time.Duration) func(*config.Tunnel, lua.LValue) error {
	return func(t *config.Tunnel, v lua.LValue) (err error) {
		*field(t), err = toDuration(v)
		return err
	}
}

// checkExitCodes takes a list of codes or, as lsyncd does, a single one.
func checkExitCodes(t *config.Tunnel, v lua.LValue) error {
	if n, ok := v.(lua.LNumber); ok {
		code, err := toInt(n)
		t.CheckExitCodes = []int{code}
		return err
	}
	tbl, ok := v.(*lua.LTable)
	if !ok {
		return wantError("a list of exit codes such as { 0 }", v)
	}
	t.CheckExitCodes = nil
	for i := 1; i <= tbl.Len(); i++ {
		code, err := toInt(tbl.RawGetInt(i))
		if err != nil {
			return fmt.Errorf("element #%d: %w", i, err)
		}
		t.CheckExitCodes = append(t.CheckExitCodes, code)
	}
	return nil
}

// toArgv reads a command: a list of arguments, run without a shell, or, as
// lsyncd allows, one string split at spaces (refused when it holds quotes,
// which only a shell would honour).
func toArgv(v lua.LValue) ([]string, error) {
	if s, ok := v.(lua.LString); ok {
		if strings.ContainsAny(string(s), `'"\`) {
			return nil, errors.New("a command string with quotes: write it as a list, one argument an element, such as { \"ssh\", \"-N\", ... }; luasync runs it without a shell")
		}
		return strings.Fields(string(s)), nil
	}
	if _, ok := v.(*lua.LTable); !ok {
		return nil, wantError(`a list of arguments such as { "ssh", "-N", "-L", "localhost:^localport:localhost:873", "user@host" }`, v)
	}
	return toStringList(v)
}

// tunnelCall is the global tunnel{...}: it checks the options and returns
// an object for sync{ tunnel = ... }. lsyncd starts a tunnel as soon as it
// is made; luasync starts the ones a sync uses, once the config is loaded.
func (ld *loader) tunnelCall(L *lua.LState) int {
	ld.checkLoading(L, "tunnel{}")
	pos := callerPos(L, ld.file)
	tbl, ok := L.Get(1).(*lua.LTable)
	if !ok || L.GetTop() != 1 {
		raise(L, &config.Error{Pos: pos, Table: "tunnel{}", Msg: `tunnel takes one table: tunnel{ command = { "ssh", "-N", "-L", "localhost:^localport:localhost:873", "user@host" }, mode = "pool" }`})
	}
	t := config.DefaultTunnel()
	t.Pos = pos
	t.Name = fmt.Sprintf("tunnel#%d", len(ld.tunnels)+1)
	keys, err := stringKeys(tbl)
	if err != nil {
		raise(L, &config.Error{Pos: pos, Table: "tunnel{}", Msg: err.Error()})
	}
	for _, key := range keys {
		parse, ok := tunnelKeys[key]
		if !ok {
			raise(L, &config.Error{Pos: pos, Table: "tunnel{}", Key: key, Msg: "unknown key" + suggestion(key, slices.Sorted(maps.Keys(tunnelKeys)))})
		}
		if err := parse(&t, tbl.RawGetString(key)); err != nil {
			raise(L, &config.Error{Pos: pos, Table: "tunnel{}", Key: key, Msg: err.Error()})
		}
	}
	ld.tunnels = append(ld.tunnels, &t)
	ud := L.NewUserData()
	ud.Value = &t
	L.SetMetatable(ud, L.GetTypeMetatable(tunnelTypeName))
	L.Push(ud)
	return 1
}

// installTunnel provides the global tunnel{} and the metatable of what it
// returns.
func (ld *loader) installTunnel(L *lua.LState) {
	mt := L.NewTypeMetatable(tunnelTypeName)
	mt.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString("tunnel " + checkTunnel(L, 1).Name))
		return 1
	}))
	L.SetGlobal("tunnel", L.NewFunction(ld.tunnelCall))
}

// checkTunnel is argument n as a tunnel{} object, or an argument error.
func checkTunnel(L *lua.LState, n int) *config.Tunnel {
	if t, ok := asTunnel(L.Get(n)); ok {
		return t
	}
	L.ArgError(n, "tunnel expected")
	return nil
}

func asTunnel(v lua.LValue) (*config.Tunnel, bool) {
	ud, ok := v.(*lua.LUserData)
	if !ok {
		return nil, false
	}
	t, ok := ud.Value.(*config.Tunnel)
	return t, ok
}

// tunnelKey is sync{ tunnel = tunnel{ ... } }.
func tunnelKey(d *syncDecl, v lua.LValue) error {
	t, ok := asTunnel(v)
	if !ok {
		return wantError(`the result of tunnel{ ... }, such as tunnel = tunnel{ command = { "ssh", "-N", "-L", "localhost:^localport:localhost:873", "user@host" }, mode = "pool" }`, v)
	}
	d.set(func(c *config.Sync) { c.Tunnel = t })
	return nil
}

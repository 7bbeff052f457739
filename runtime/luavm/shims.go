package luavm

import (
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// installShims adds the Lua 5.2 functions lsyncd configs use to gopher-lua,
// which implements Lua 5.1, and takes away os.exit, which would end the
// daemon from inside a config.
func installShims(L *lua.LState) {
	tbl := L.GetGlobal("table").(*lua.LTable)
	if tbl.RawGetString("unpack") == lua.LNil {
		tbl.RawSetString("unpack", L.GetGlobal("unpack"))
	}
	tbl.RawSetString("pack", L.NewFunction(tablePack))
	L.SetGlobal("rawlen", L.NewFunction(rawLen))
	L.SetGlobal("load", L.NewFunction(load52))
	if osTbl, ok := L.GetGlobal("os").(*lua.LTable); ok {
		osTbl.RawSetString("exit", L.NewFunction(func(L *lua.LState) int {
			L.RaiseError("os.exit is not allowed in a luasync config: it would stop the daemon")
			return 0
		}))
	}
}

// tablePack is Lua 5.2's table.pack(...): the arguments and their count n.
func tablePack(L *lua.LState) int {
	n := L.GetTop()
	t := L.CreateTable(n, 1)
	for i := 1; i <= n; i++ {
		t.RawSetInt(i, L.Get(i))
	}
	t.RawSetString("n", lua.LNumber(n))
	L.Push(t)
	return 1
}

// rawLen is Lua 5.2's rawlen(v): the length of a table or string without
// calling __len.
func rawLen(L *lua.LState) int {
	switch v := L.Get(1).(type) {
	case *lua.LTable:
		L.Push(lua.LNumber(v.Len()))
	case lua.LString:
		L.Push(lua.LNumber(len(v)))
	default:
		L.ArgError(1, "table or string expected")
	}
	return 1
}

// load52 is Lua 5.2's load(chunk [, chunkname [, mode [, env]]]): chunk is
// a string or a function returning pieces of one; env, if given, becomes the
// loaded function's environment. Binary chunks are not supported.
func load52(L *lua.LState) int {
	var src string
	switch c := L.Get(1).(type) {
	case lua.LString:
		src = string(c)
	case *lua.LFunction:
		src = readChunk(L, c)
	default:
		L.ArgError(1, "string or function expected")
	}
	if mode := L.OptString(3, "bt"); !strings.Contains(mode, "t") {
		L.Push(lua.LNil)
		L.Push(lua.LString("attempt to load a text chunk (mode is '" + mode + "')"))
		return 2
	}
	fn, err := L.Load(strings.NewReader(src), L.OptString(2, "=(load)"))
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	if env := L.Get(4); env != lua.LNil {
		t, ok := env.(*lua.LTable)
		if !ok {
			L.ArgError(4, "table expected")
		}
		fn.Env = t
	}
	L.Push(fn)
	return 1
}

// readChunk calls fn until it returns nil or "", and joins the pieces.
func readChunk(L *lua.LState, fn *lua.LFunction) string {
	var b strings.Builder
	for {
		L.Push(fn)
		L.Call(0, 1)
		piece := L.Get(-1)
		L.Pop(1)
		s, ok := piece.(lua.LString)
		if piece == lua.LNil || (ok && s == "") {
			return b.String()
		}
		if !ok {
			L.RaiseError("reader function must return a string")
		}
		b.WriteString(string(s))
	}
}

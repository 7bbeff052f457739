package luavm

import (
	"fmt"
	"slices"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/luasync/luasync/runtime/config"
)

// callNonFunction is gopher-lua's message for calling what is not a
// function; it names neither the value nor the callee.
const callNonFunction = "attempt to call a non-function object"

// nameCall rewrites gopher-lua's call error at e's line the way Lua 5.3
// words it, naming the callee and what it holds, with a "did you mean"
// when a name is close:
//
//	cfg.lua:3: attempt to call a nil value (global 'synk') (did you mean "sync"?)
//
// The parse knows which calls the line makes, in the order they run; the
// first whose callee is a global, or a field or method of a global table,
// that holds no function is the one that failed. When a call the parse
// cannot judge (of a local, or of a computed value) runs before it, the
// message stays as it is rather than name the wrong one.
func (ld *loader) nameCall(L *lua.LState, e *config.Error) {
	if e.Msg != callNonFunction || ld.src == nil || e.Pos.File != ld.file {
		return
	}
	for _, c := range ld.src.calls[e.Pos.Line] {
		v, what, choices, known := ld.callee(L, c)
		if !known {
			return
		}
		if callable(L, v) {
			continue
		}
		e.Msg = fmt.Sprintf("attempt to call a %s value (%s)", v.Type(), what)
		if v == lua.LNil {
			e.Msg += nameSuggestion(c.name(), choices)
		}
		return
	}
}

// indexNil is the start of gopher-lua's message for indexing nil.
const indexNil = "attempt to index a non-table object(nil) with key '"

// nameIndex rewrites gopher-lua's error for indexing nil at e's line
// when the parse shows a global read there, name.key, whose name holds
// nil, the way Lua 5.3 words it, with a "did you mean":
//
//	cfg.lua:2: attempt to index a nil value (global 'defualt') with key 'rsync' (did you mean "default"?)
func (ld *loader) nameIndex(L *lua.LState, e *config.Error) {
	key, ok := strings.CutPrefix(e.Msg, indexNil)
	if !ok || ld.src == nil || e.Pos.File != ld.file {
		return
	}
	key = strings.TrimSuffix(key, "'")
	for _, site := range ld.src.indexes[e.Pos.Line] {
		if site.field == key && ld.global(L, site.object) == lua.LNil {
			e.Msg = fmt.Sprintf("attempt to index a nil value (global '%s') with key '%s'", site.object, key) +
				nameSuggestion(site.object, ld.globalNames(L))
			return
		}
	}
}

// nameSuggestion is suggestion for a name the config used: a name of
// fewer than four letters ("foo") is too short to look misspelt.
func nameSuggestion(name string, choices []string) string {
	if len(name) < 4 {
		return ""
	}
	return suggestion(name, choices)
}

// name is the callee's own name: the global, the field or the method.
func (c callSite) name() string {
	if c.global != "" {
		return c.global
	}
	return c.field
}

// callee looks up what a call site calls, without running any Lua (no
// metamethods). known is false when the site cannot be judged.
func (ld *loader) callee(L *lua.LState, c callSite) (v lua.LValue, what string, choices []string, known bool) {
	switch {
	case c.global != "":
		return ld.global(L, c.global), fmt.Sprintf("global '%s'", c.global), ld.globalNames(L), true
	case c.object != "":
		t, ok := ld.global(L, c.object).(*lua.LTable)
		if !ok {
			return nil, "", nil, false
		}
		v = t.RawGetString(c.field)
		if v == lua.LNil && L.GetMetaField(t, "__index") != lua.LNil {
			return nil, "", nil, false
		}
		what = fmt.Sprintf("field '%s'", c.field)
		if c.method {
			what = fmt.Sprintf("method '%s'", c.field)
		}
		return v, what, tableNames(t), true
	}
	return nil, "", nil, false
}

// global reads a global as the config sees it: _G itself, then the table
// behind _G's __index (where settings lives), without calling anything.
func (ld *loader) global(L *lua.LState, name string) lua.LValue {
	if v := L.G.Global.RawGetString(name); v != lua.LNil {
		return v
	}
	if t, ok := L.GetMetaField(L.G.Global, "__index").(*lua.LTable); ok {
		return t.RawGetString(name)
	}
	return lua.LNil
}

// globalNames are the names a config may call, for "did you mean".
func (ld *loader) globalNames(L *lua.LState) []string {
	names := tableNames(L.G.Global)
	if t, ok := L.GetMetaField(L.G.Global, "__index").(*lua.LTable); ok {
		names = append(names, tableNames(t)...)
	}
	return slices.DeleteFunc(names, func(n string) bool { return n == markerName })
}

// tableNames are a table's string keys, sorted.
func tableNames(t *lua.LTable) []string {
	var names []string
	t.ForEach(func(k, _ lua.LValue) {
		if s, ok := k.(lua.LString); ok {
			names = append(names, string(s))
		}
	})
	slices.Sort(names)
	return names
}

// callable reports whether v can be called: a function, or a value whose
// metatable has __call.
func callable(L *lua.LState, v lua.LValue) bool {
	if v.Type() == lua.LTFunction {
		return true
	}
	return L.GetMetaField(v, "__call") != lua.LNil
}

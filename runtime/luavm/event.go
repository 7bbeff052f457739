package luavm

import (
	"os"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/luasync/luasync/runtime/event"
)

// A filter function receives an event object shaped like lsyncd's, so
// lsyncd filter code carries over:
//
//	etype, op       "Create", "Modify", "Attrib", "Delete", "Move" (or "Rescan")
//	size            a file's size in bytes (read when asked); nil for a directory
//	isdir           true for a directory
//	path            "/" .. relative path, with a trailing "/" for a directory
//	pathname        path without the trailing "/" (the source root is "/")
//	name            final component, with a trailing "/" for a directory
//	basename        final component without it
//	source          the sync's source, with a trailing "/"
//	sourcePath      the absolute path: source .. path without its leading "/"
//	sourcePathname  sourcePath without the trailing "/"
//
// A Move also carries where it came from: oldpath, oldpathname, oldname,
// oldbasename and oldSourcePath, formed the same way; they are nil for
// other events. (lsyncd hands a move to actions as two events; a filter sees
// one, so both ends are on it.) Names are raw bytes, as Lua strings allow.
//
// As in lsyncd, fields are computed when read (a read-only object with an
// __index metamethod, so pairs() does not list them): a filter usually
// reads one or two, and building all of them cost most of a call.
type luaEvent struct {
	source string
	ev     event.Event
}

var eventFields = map[string]func(e *luaEvent) lua.LValue{
	"etype":          func(e *luaEvent) lua.LValue { return opNames[e.ev.Op] },
	"op":             func(e *luaEvent) lua.LValue { return opNames[e.ev.Op] },
	"size":           func(e *luaEvent) lua.LValue { return e.size() },
	"isdir":          func(e *luaEvent) lua.LValue { return lua.LBool(e.ev.IsDir) },
	"source":         func(e *luaEvent) lua.LValue { return lua.LString(e.source) },
	"path":           current(func(n names) string { return n.path }),
	"pathname":       current(func(n names) string { return n.pathname }),
	"name":           current(func(n names) string { return n.name }),
	"basename":       current(func(n names) string { return n.basename }),
	"sourcePath":     func(e *luaEvent) lua.LValue { return lua.LString(e.sourcePath(e.ev.Path)) },
	"sourcePathname": func(e *luaEvent) lua.LValue { return lua.LString(strings.TrimSuffix(e.sourcePath(e.ev.Path), "/")) },
	"oldpath":        old(func(n names) string { return n.path }),
	"oldpathname":    old(func(n names) string { return n.pathname }),
	"oldname":        old(func(n names) string { return n.name }),
	"oldbasename":    old(func(n names) string { return n.basename }),
	"oldSourcePath": func(e *luaEvent) lua.LValue {
		if e.ev.Op != event.Move {
			return lua.LNil
		}
		return lua.LString(e.sourcePath(e.ev.From))
	},
}

// opNames are the etype values, made once.
var opNames = func() map[event.Op]lua.LValue {
	m := map[event.Op]lua.LValue{}
	for op := event.Attrib; op <= event.Rescan; op++ {
		m[op] = lua.LString(op.String())
	}
	return m
}()

func current(field func(names) string) func(*luaEvent) lua.LValue {
	return func(e *luaEvent) lua.LValue { return lua.LString(field(namesOf(e.ev.Path, e.ev.IsDir))) }
}

func old(field func(names) string) func(*luaEvent) lua.LValue {
	return func(e *luaEvent) lua.LValue {
		if e.ev.Op != event.Move {
			return lua.LNil
		}
		return lua.LString(field(namesOf(e.ev.From, e.ev.IsDir)))
	}
}

// size is the file's size in bytes: as the watcher knew it, or read from
// the source when the field is read; nil for a directory, or a path that is
// gone.
func (e *luaEvent) size() lua.LValue {
	if e.ev.IsDir {
		return lua.LNil
	}
	if e.ev.Size > 0 {
		return lua.LNumber(e.ev.Size)
	}
	fi, err := os.Lstat(strings.TrimSuffix(e.sourcePath(e.ev.Path), "/"))
	if err != nil {
		return lua.LNil
	}
	return lua.LNumber(fi.Size())
}

func (e *luaEvent) sourcePath(rel string) string {
	return e.source + namesOf(rel, e.ev.IsDir).path[1:]
}

// names are the lsyncd spellings of one relative path.
type names struct {
	path, pathname, name, basename string
}

func namesOf(rel string, isDir bool) names {
	n := names{path: "/" + rel, basename: rel[strings.LastIndexByte(rel, '/')+1:]}
	n.pathname, n.name = n.path, n.basename
	if isDir && rel != "" {
		n.path += "/"
		n.name += "/"
	}
	return n
}

// eventMetatable is shared by every event object of a VM.
func eventMetatable(L *lua.LState) *lua.LTable {
	mt := L.NewTable()
	mt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		e := L.CheckUserData(1).Value.(*luaEvent)
		if field, ok := eventFields[L.CheckString(2)]; ok {
			L.Push(field(e))
		} else {
			L.Push(lua.LNil)
		}
		return 1
	}))
	mt.RawSetString("__newindex", L.NewFunction(func(L *lua.LState) int {
		L.RaiseError("the event is read-only (setting %q)", L.CheckString(2))
		return 0
	}))
	mt.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString("event: " + L.CheckUserData(1).Value.(*luaEvent).ev.String()))
		return 1
	}))
	return mt
}

// newEvent wraps ev for a filter call.
func newEvent(L *lua.LState, meta *lua.LTable, source string, ev event.Event) *lua.LUserData {
	ud := L.NewUserData()
	ud.Value = &luaEvent{source: source, ev: ev}
	ud.Metatable = meta
	return ud
}

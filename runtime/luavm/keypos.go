package luavm

import (
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/luasync/luasync/runtime/config"
)

// markTable is the hidden marker call around every table constructor of
// the config file (see source): it records which constructor built the
// table, while the file loads, and returns the table.
func (ld *loader) markTable(L *lua.LState) int {
	v := L.Get(2)
	if t, ok := v.(*lua.LTable); ok && !ld.done {
		ld.built[t] = L.ToInt(1)
	}
	L.Push(v)
	return 1
}

// atKey moves an error about a sync{} key to the line where the key is
// set: in the sync{} table itself or in the layer it comes from, and
// inside a nested table (rsync = { compres = true }) when the message
// leads there ("compres: unknown key").
func (ld *loader) atKey(t *lua.LTable, e *config.Error) *config.Error {
	if e.Key == "" {
		return e
	}
	origin := ld.origins(t)[e.Key]
	if origin == nil {
		return e
	}
	line, ok := ld.keyLine(origin, e.Key)
	v, msg := origin.RawGetString(e.Key), e.Msg
	for {
		sub, rest, found := strings.Cut(msg, ": ")
		nested, isTable := v.(*lua.LTable)
		if !found || !isTable {
			break
		}
		l, known := ld.keyLine(nested, sub)
		if !known {
			break
		}
		line, ok, v, msg = l, true, nested.RawGetString(sub), rest
	}
	if ok {
		e.Pos = config.Pos{File: ld.file, Line: line}
	}
	return e
}

// keyAt is where key is set in t, or fallback when the parse does not
// know.
func (ld *loader) keyAt(t *lua.LTable, key string, fallback config.Pos) config.Pos {
	if line, ok := ld.keyLine(t, key); ok {
		return config.Pos{File: ld.file, Line: line}
	}
	return fallback
}

// keyLines maps every key of a sync{} table, its layers' included, to
// where it is set; keys the parse cannot place are at pos, the sync{} call.
func (ld *loader) keyLines(t *lua.LTable, pos config.Pos) map[string]config.Pos {
	out := map[string]config.Pos{}
	for key, origin := range ld.origins(t) {
		out[key] = ld.keyAt(origin, key, pos)
	}
	return out
}

// keyLine is the line that sets key in t: the field in the constructor
// that built t, or else the only assignment of that key in the file
// (bash.onCreate = ...).
func (ld *loader) keyLine(t *lua.LTable, key string) (int, bool) {
	if ld.src == nil {
		return 0, false
	}
	if i, ok := ld.built[t]; ok && i >= 0 && i < len(ld.src.tables) {
		if line, ok := ld.src.tables[i].keys[key]; ok {
			return line, true
		}
	}
	if lines := ld.src.assigns[key]; len(lines) == 1 {
		return lines[0], true
	}
	return 0, false
}

// origins maps each string key of a sync{} table to the table that gives
// it, with flatten's precedence: the table itself, then its layers in
// order, each before its own layers.
func (ld *loader) origins(t *lua.LTable) map[string]*lua.LTable {
	out := map[string]*lua.LTable{}
	seen := map[*lua.LTable]bool{}
	var walk func(t *lua.LTable)
	walk = func(t *lua.LTable) {
		if seen[t] {
			return
		}
		seen[t] = true
		t.ForEach(func(k, _ lua.LValue) {
			if s, ok := k.(lua.LString); ok && out[string(s)] == nil {
				out[string(s)] = t
			}
		})
		for i := 1; ; i++ {
			layer, ok := t.RawGetInt(i).(*lua.LTable)
			if !ok {
				return
			}
			walk(layer)
		}
	}
	walk(t)
	return out
}

package luavm

import (
	"fmt"
	"maps"
	"slices"
	"sort"

	lua "github.com/yuin/gopher-lua"

	"github.com/luasync/luasync/runtime/config"
)

// syncDecl is one sync{} call, checked when it is made and turned into a
// config.Sync once the whole file has run.
type syncDecl struct {
	pos    config.Pos
	kind   string
	keys   map[string]bool      // the keys the config set
	apply  []func(*config.Sync) // applied after the defaults, in key order
	filter *lua.LFunction       // filter = function(event) ... end
	// An action sync (kind "action") keeps every key of its table and
	// layers for the config table its functions see, and its handlers.
	fields   map[string]lua.LValue
	handlers map[string]*lua.LFunction
	inlet    *lua.LTable // set once registered with actions.lua
	hybrid   bool        // a mirror kind with layer 1 functions of its own
}

func (d *syncDecl) set(f func(*config.Sync)) { d.apply = append(d.apply, f) }

// syncCall is the global sync{...}.
func (ld *loader) syncCall(L *lua.LState) int {
	ld.checkLoading(L, "sync{}")
	pos := callerPos(L, ld.file)
	t, ok := L.Get(1).(*lua.LTable)
	if !ok || L.GetTop() != 1 {
		raise(L, &config.Error{Pos: pos, Table: "sync{}", Msg: `sync takes one table: sync{ default.direct, source = "/src", target = "/dst" }`})
	}
	d, err := ld.parseSync(L, t, pos)
	if err != nil {
		raise(L, ld.atKey(t, err))
	}
	ld.keyPos = append(ld.keyPos, ld.keyLines(t, pos))
	ld.decls = append(ld.decls, d)
	if d.kind == "action" {
		// lsyncd's sync{} returns the sync's inlet, for alarms and the like.
		inlet, err := ld.callRT(L, "inlet", lua.LNumber(len(ld.decls)-1))
		if err != nil {
			L.RaiseError("%v", err)
		}
		L.Push(inlet)
		return 1
	}
	return 0
}

func (ld *loader) parseSync(L *lua.LState, t *lua.LTable, pos config.Pos) (*syncDecl, *config.Error) {
	fail := func(key, msg string) *config.Error {
		return &config.Error{Pos: pos, Table: "sync{}", Key: key, Msg: msg}
	}
	fields, kind, err := ld.flatten(t)
	if err != nil {
		return nil, fail("", err.Error())
	}
	d := &syncDecl{pos: pos, kind: kind, keys: map[string]bool{}, handlers: map[string]*lua.LFunction{}}
	declared := map[string]bool{}
	switch {
	case kind == "" && actionSyncFields(fields):
		d.kind, d.fields = "action", fields
		gauged(fields["checkgauge"], declared)
	case kind != "" && layer1Fields(fields):
		// A mirror whose events go through Lua first (lsyncd's custom
		// action calling default.rsync.action(inlet)).
		d.hybrid, d.fields = true, fields
		gauged(fields["checkgauge"], declared)
	}
	known := slices.Sorted(maps.Keys(syncKeys))
	for _, key := range slices.Sorted(maps.Keys(fields)) {
		v := fields[key]
		var err error
		_, isSyncKey := syncKeys[key]
		switch {
		case d.kind == "action" && isActionKey(key), d.hybrid && slices.Contains(layer1Keys, key):
			err = d.parseActionKey(L, key, v)
		case isActionKey(key) && key != "init":
			err = d.mirrorActionKey(key, v)
		case d.kind == "action" && (!isSyncKey || mirrorOnly[key]):
			err = d.checkExtraKey(key, declared, known)
		default:
			err = d.parseKey(key, v)
			if err != nil && d.hybrid && declared[key] {
				// A key the layer's checkgauge declares is for its own
				// functions (lsyncd's examples/lpostcmd.lua: host,
				// targetdir and postcmd on a default.rsync).
				err = nil
			}
		}
		if err != nil {
			return nil, fail(key, err.Error())
		}
		d.keys[key] = true
	}
	if d.keys["workers"] && d.keys["maxProcesses"] {
		return nil, fail("workers", "workers and maxProcesses are the same setting; give only one")
	}
	return d, nil
}

// flatten merges a sync{} table with the layer tables among its positional
// elements, recursively, as lsyncd's inherit does: a key the table sets
// itself wins over the same key in a layer, and an earlier layer wins over a
// later one. kind comes from the built-in layer (default.direct, ...) found.
func (ld *loader) flatten(t *lua.LTable) (map[string]lua.LValue, string, error) {
	fields := map[string]lua.LValue{}
	seen := map[*lua.LTable]bool{}
	kind := ""
	var walk func(t *lua.LTable) error
	walk = func(t *lua.LTable) error {
		if seen[t] {
			return nil
		}
		seen[t] = true
		if k, ok := ld.layers[t]; ok {
			if kind != "" && kind != k {
				return fmt.Errorf("two sync kinds, default.%s and default.%s: give one", kind, k)
			}
			kind = k
			return nil // its functions are the mirror's own, not the config's keys
		}
		layers, err := splitTable(t, fields)
		if err != nil {
			return err
		}
		for _, l := range layers {
			if err := walk(l); err != nil {
				return err
			}
		}
		return nil
	}
	err := walk(t)
	return fields, kind, err
}

// splitTable copies t's named keys into fields (where not already set) and
// returns its positional elements, in order, which must be layer tables.
func splitTable(t *lua.LTable, fields map[string]lua.LValue) ([]*lua.LTable, error) {
	type positional struct {
		i float64
		v lua.LValue
	}
	var pos []positional
	var bad lua.LValue
	t.ForEach(func(k, v lua.LValue) {
		switch k := k.(type) {
		case lua.LString:
			if _, set := fields[string(k)]; !set {
				fields[string(k)] = v
			}
		case lua.LNumber:
			pos = append(pos, positional{float64(k), v})
		default:
			bad = k
		}
	})
	if bad != nil {
		return nil, fmt.Errorf("unexpected key %s: keys are names such as source = ...", describe(bad))
	}
	sort.Slice(pos, func(a, b int) bool { return pos[a].i < pos[b].i })
	layers := make([]*lua.LTable, 0, len(pos))
	for _, p := range pos {
		l, ok := p.v.(*lua.LTable)
		if !ok {
			return nil, fmt.Errorf("positional element #%v is %s; only layer tables such as default.direct go there, everything else is key = value", p.i, describe(p.v))
		}
		layers = append(layers, l)
	}
	return layers, nil
}

func (d *syncDecl) parseKey(key string, v lua.LValue) error {
	if parse, ok := syncKeys[key]; ok {
		return parse(d, v)
	}
	if msg, ok := notYet[key]; ok {
		return fmt.Errorf("%s", msg)
	}
	known := append(slices.Sorted(maps.Keys(syncKeys)), handlerKeys...)
	return fmt.Errorf("unknown key%s", suggestion(key, append(known, layer1Keys...)))
}

package luavm

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/luasync/luasync/runtime/config"
)

// handlerKeys are lsyncd's layer 2 and 3 handlers: a function, or a
// command string (layer 3). onMove = true keeps moves as moves without a
// handler, as in lsyncd.
var handlerKeys = []string{"onAttrib", "onCreate", "onModify", "onDelete", "onMove", "onStartup", "onFull"}

// layer1Keys are lsyncd's layer 1 functions.
var layer1Keys = []string{"action", "collect", "init", "prepare", "full"}

// mirrorOnly are sync{} keys of the mirror kinds that an action sync
// passes to its functions as they are (lsyncd's examples read host and
// targetdir in their own actions).
var mirrorOnly = map[string]bool{"host": true, "targetdir": true, "targets": true, "rsync": true, "ssh": true,
	"rsyncExitCodes": true, "sshExitCodes": true}

// isActionKey reports whether key belongs to lsyncd's actions.
func isActionKey(key string) bool {
	return slices.Contains(handlerKeys, key) || slices.Contains(layer1Keys, key) ||
		key == "exitcodes" || key == "checkgauge"
}

// actionSyncFields reports whether a flattened sync{} without a mirror
// kind is run by actions: it sets a handler or a layer 1 function.
func actionSyncFields(fields map[string]lua.LValue) bool {
	for k, v := range fields {
		if k == "init" {
			if _, ok := v.(*lua.LFunction); ok {
				return true
			}
			continue
		}
		if (slices.Contains(handlerKeys, k) || slices.Contains(layer1Keys, k)) && v != lua.LNil && v != lua.LFalse {
			return true
		}
	}
	return false
}

// layer1Fields reports whether a mirror sync sets a layer 1 function of
// its own (action, init, collect or full).
func layer1Fields(fields map[string]lua.LValue) bool {
	for _, k := range []string{"action", "init", "collect", "full"} {
		if _, ok := fields[k].(*lua.LFunction); ok {
			return true
		}
	}
	return false
}

// parseActionKey checks one action key of an action sync.
func (d *syncDecl) parseActionKey(L *lua.LState, key string, v lua.LValue) error {
	switch {
	case slices.Contains(handlerKeys, key):
		switch v := v.(type) {
		case *lua.LFunction:
			d.handlers[key] = v
		case lua.LString:
			d.handlers[key] = translateLayer3(L, string(v))
		case lua.LBool:
			if key != "onMove" {
				return wantError("a command string or a function(event)", v)
			}
		default:
			return wantError("a command string or a function(event)", v)
		}
	case key == "init":
		switch v := v.(type) {
		case *lua.LFunction:
			d.handlers[key] = v
		default:
			return initKey(d, v)
		}
	case slices.Contains(layer1Keys, key):
		fn, ok := v.(*lua.LFunction)
		if !ok {
			return wantError("a function", v)
		}
		d.handlers[key] = fn
	case key == "exitcodes":
		t, ok := v.(*lua.LTable)
		if !ok {
			return wantError(`a table such as { [0] = "ok", [1] = "again", [2] = "die" }`, v)
		}
		var bad error
		t.ForEach(func(k, v lua.LValue) {
			if _, ok := k.(lua.LNumber); !ok && bad == nil {
				bad = fmt.Errorf("key %s: exit codes are numbers", describe(k))
			}
			if s := lua.LVAsString(v); s != "ok" && s != "again" && s != "die" && bad == nil {
				bad = fmt.Errorf("[%s] = %s: each exit code maps to \"ok\", \"again\" or \"die\"", lua.LVAsString(k), describe(v))
			}
		})
		return bad
	}
	return nil
}

// gauged collects the names a checkgauge table declares, through its
// layers, as lsyncd's typo guard lists the keys a layer reads.
func gauged(v lua.LValue, into map[string]bool) {
	t, ok := v.(*lua.LTable)
	if !ok {
		return
	}
	t.ForEach(func(k, v lua.LValue) {
		switch k := k.(type) {
		case lua.LString:
			into[string(k)] = true
		case lua.LNumber:
			gauged(v, into)
		}
	})
}

// bindActions builds the config table each action sync's functions see
// (every key of its sync{} and layers, the translated handlers, and the
// defaults), runs its prepare function, and registers it with actions.lua.
func (ld *loader) bindActions(L *lua.LState, cfg *config.Config) error {
	def := L.GetGlobal("default").(*lua.LTable)
	for i, d := range ld.decls {
		if d.kind != "action" && !d.hybrid {
			continue
		}
		s := &cfg.Syncs[i]
		t := L.NewTable()
		for _, k := range slices.Sorted(maps.Keys(d.fields)) {
			t.RawSetString(k, d.fields[k])
		}
		for k, fn := range d.handlers {
			t.RawSetString(k, fn)
		}
		layer := def
		if d.hybrid {
			// The mirror's own functions fill in what the config does not
			// set; moves stay moves, as luasync's mirrors apply them.
			layer = def.RawGetString(d.kind).(*lua.LTable)
			t.RawSetString("onMove", lua.LTrue)
			if t.RawGetString("exitcodes") == lua.LNil {
				t.RawSetString("exitcodes", def.RawGetString("rsyncExitCodes"))
			}
		}
		for _, k := range []string{"action", "collect", "init", "prepare", "full"} {
			if v := layer.RawGetString(k); v != lua.LNil && (t.RawGetString(k) == lua.LNil || t.RawGetString(k) == lua.LFalse) {
				t.RawSetString(k, v)
			}
		}
		source := strings.TrimSuffix(s.Source, "/") + "/"
		t.RawSetString("source", lua.LString(source))
		if s.Target != "" {
			t.RawSetString("target", lua.LString(s.Target))
		}
		t.RawSetString("name", lua.LString(s.Name))
		t.RawSetString("delay", lua.LNumber(s.Delay.Seconds()))
		t.RawSetString("maxProcesses", lua.LNumber(s.Workers))
		t.RawSetString("maxDelays", lua.LNumber(max(cfg.Settings.MaxDelays, 0)))
		if err := ld.prepare(L, t, d); err != nil {
			return err
		}
		if v, ok := t.RawGetString("target").(lua.LString); ok && d.hybrid && s.Target == "" {
			// prepare may make the target, as lsyncd's lpostcmd does
			// from host and targetdir.
			s.Target = string(v)
			ld.resolveTargets(s)
		}
		ret, err := ld.callRT(L, "addSync", lua.LNumber(i), t, lua.LString(source))
		if err != nil {
			return err
		}
		d.inlet = ret.(*lua.LTable)
	}
	return nil
}

// prepare calls the sync's prepare(config, level), lsyncd's hook for a
// layer to check and complete its config; an error there is a config
// error at the sync{} call.
func (ld *loader) prepare(L *lua.LState, t *lua.LTable, d *syncDecl) error {
	fn, ok := t.RawGetString("prepare").(*lua.LFunction)
	if !ok {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), loadTimeout)
	defer cancel()
	L.SetContext(ctx)
	defer L.RemoveContext()
	if err := L.CallByParam(lua.P{Fn: fn, Protect: true}, t, lua.LNumber(2)); err != nil {
		e, ok := loadError(err, ld.file).(*config.Error)
		if !ok {
			return &config.Error{Pos: d.pos, Table: "sync{}", Key: "prepare", Msg: err.Error()}
		}
		return e
	}
	return nil
}

func (ld *loader) callRT(L *lua.LState, name string, args ...lua.LValue) (lua.LValue, error) {
	if err := L.CallByParam(lua.P{Fn: ld.rt.RawGetString(name), NRet: 1, Protect: true}, args...); err != nil {
		return nil, fmt.Errorf("lua actions: %s: %w", name, err)
	}
	v := L.Get(-1)
	L.Pop(1)
	return v, nil
}

// checkExtraKey decides about a key an action sync sets that luasync does
// not know: lsyncd passes such keys to the sync's functions, which read
// them from the config table, and checks them against the layer's
// checkgauge. A key the checkgauge declares is fine; any other is kept and
// warned about, except a misspelt handler (onCreat), which is an error.
func (d *syncDecl) checkExtraKey(key string, declared map[string]bool, known []string) error {
	if declared[key] || mirrorOnly[key] {
		return nil
	}
	if strings.HasPrefix(key, "on") {
		return fmt.Errorf("unknown handler%s; the handlers are %s", suggestion(key, handlerKeys), strings.Join(handlerKeys, ", "))
	}
	slog.Default().Warn("sync{} key is not one luasync knows; it is passed to the sync's actions as is"+
		suggestion(key, known), "key", key, "config", fmt.Sprintf("%s:%d", d.pos.File, d.pos.Line))
	return nil
}

// mirrorActionKey handles an action key on a mirror sync (default.direct,
// default.rsync, default.rsyncssh), whose own sink handles every event.
// lsyncd ignores handlers there; luasync says so. Layer 1 functions would
// replace the mirror itself, which luasync does not do.
func (d *syncDecl) mirrorActionKey(key string, v lua.LValue) error {
	kind := "default." + d.kind
	if d.kind == "" {
		kind = "a sync without a kind"
	}
	switch {
	case key == "checkgauge", d.hybrid && slices.Contains(layer1Keys, key):
		return nil
	case slices.Contains(handlerKeys, key) || key == "exitcodes":
		slog.Default().Warn(key+" has no effect on "+kind+": its mirror handles every event (lsyncd ignores it too); "+
			"use a sync without default.* for actions", "config", fmt.Sprintf("%s:%d", d.pos.File, d.pos.Line))
		return nil
	}
	return fmt.Errorf("%s = function would replace the mirror of %s, which luasync does not support; "+
		"write an action sync (without default.*) or use filter = function(event) for per-event decisions", key, kind)
}

// describeActions lists an action sync's handlers and layer 1 functions
// for luasync check: a command string as written, a function by where it
// was defined; what the sync does not set comes from default.
func describeActions(d *syncDecl) []string {
	var out []string
	for _, k := range append(slices.Clone(layer1Keys[:4]), handlerKeys...) {
		v, set := d.fields[k]
		switch v := v.(type) {
		case lua.LString:
			out = append(out, fmt.Sprintf("%s = %q", k, string(v)))
		case *lua.LFunction:
			where := "Go"
			if v.Proto != nil {
				where = fmt.Sprintf("%s:%d", v.Proto.SourceName, v.Proto.LineDefined)
			}
			out = append(out, fmt.Sprintf("%s = function (%s)", k, where))
		case lua.LBool:
			out = append(out, fmt.Sprintf("%s = %t", k, bool(v)))
		default:
			if !set && k != "prepare" && slices.Contains(layer1Keys, k) {
				out = append(out, k+" = default."+k)
			}
		}
	}
	return out
}

package luavm

import (
	"fmt"
	"math"

	lua "github.com/yuin/gopher-lua"

	"github.com/luasync/luasync/runtime/config"
)

// batchSizeLimitKey is lsyncd 2.3's batchSizeLimit, in bytes.
func batchSizeLimitKey(d *syncDecl, v lua.LValue) error {
	n, err := toInt(v)
	if err == nil && n < 1 {
		err = fmt.Errorf("%d: must be at least 1 (bytes); leave it out to batch every file", n)
	}
	d.set(func(c *config.Sync) { c.BatchSizeLimit = int64(n) })
	return err
}

// exitActions are the words of lsyncd's exit code tables.
var exitActions = []string{string(config.ExitOK), string(config.ExitAgain), string(config.ExitDie)}

// exitCodesKey reads an lsyncd exit code table, { [0] = "ok", [23] =
// "again", [1] = "die", ... }, into the field field returns. lsyncd's
// inheritance markers _merge and _verbatim, found in tables copied from
// its default.lua, are accepted and mean nothing here.
func exitCodesKey(field func(*config.Sync) *map[int]config.ExitAction) syncKeyParser {
	return func(d *syncDecl, v lua.LValue) error {
		t, ok := v.(*lua.LTable)
		if !ok {
			return wantError(`a table such as { [0] = "ok", [23] = "again", [1] = "die" }`, v)
		}
		codes := map[int]config.ExitAction{}
		var err error
		t.ForEach(func(k, v lua.LValue) {
			if err == nil {
				err = exitCode(codes, k, v)
			}
		})
		d.set(func(c *config.Sync) { *field(c) = codes })
		return err
	}
}

// exitCode adds one entry of an exit code table to codes.
func exitCode(codes map[int]config.ExitAction, k, v lua.LValue) error {
	if k == lua.LString("_merge") || k == lua.LString("_verbatim") {
		return nil
	}
	n, ok := k.(lua.LNumber)
	if f := float64(n); !ok || f != math.Trunc(f) || f < 0 || f > 255 {
		return fmt.Errorf("key %s: want an exit status from 0 to 255, as in [23] = \"again\"", describe(k))
	}
	word, _ := v.(lua.LString)
	switch action := config.ExitAction(word); action {
	case config.ExitOK, config.ExitAgain, config.ExitDie:
		codes[int(n)] = action
		return nil
	}
	msg := fmt.Sprintf("[%d]: want \"ok\", \"again\" or \"die\", got %s", int(n), describe(v))
	if word != "" {
		msg += suggestion(string(word), exitActions)
	}
	return fmt.Errorf("%s", msg)
}

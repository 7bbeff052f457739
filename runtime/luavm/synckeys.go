package luavm

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luasync/luasync/runtime/config"
)

// syncKeyParser checks one sync{} value and records how it sets the Sync.
type syncKeyParser func(d *syncDecl, v lua.LValue) error

// syncKeys are the keys of sync{}; see config.Sync for what each means.
var syncKeys = map[string]syncKeyParser{
	"source":        stringKey(func(s *config.Sync, v string) { s.Source = v }),
	"target":        stringKey(func(s *config.Sync, v string) { s.Target = v }),
	"name":          stringKey(func(s *config.Sync, v string) { s.Name = v }),
	"excludeFrom":   stringKey(func(s *config.Sync, v string) { s.ExcludeFrom = v }),
	"exclude":       listKey(func(s *config.Sync, v []string) { s.Exclude = v }),
	"delay":         durationKey(func(s *config.Sync, v time.Duration) { s.Delay = v }),
	"maxWait":       durationKey(func(s *config.Sync, v time.Duration) { s.MaxWait = v }),
	"batchInterval": durationKey(func(s *config.Sync, v time.Duration) { s.BatchInterval = v }),
	"workers":       intKey(func(s *config.Sync, v int) { s.Workers = v }),
	"maxProcesses":  intKey(func(s *config.Sync, v int) { s.Workers = v }),
	"batchFiles":    intKey(func(s *config.Sync, v int) { s.BatchFiles = v }),
	"batchBytes":    intKey(func(s *config.Sync, v int) { s.BatchBytes = int64(v) }),
	"init":          initKey,
	"delete":        deleteKey,
	"junk":          junkKey,
	"filter":        filterKey,
	"retry":         retryKey,
	"crontab":       crontabKey,
	"fullsync":      fullsyncKey,
	"tunnel":        tunnelKey,
	"plugins":       pluginsKey,
	"rsync":         forKinds(rsyncKey, "rsync", "rsyncssh"),
	"ssh":           forKinds(sshKey, "rsync", "rsyncssh"),
	"targets":       forKinds(listKey(func(s *config.Sync, v []string) { s.Targets = v }), "rsync"),
	"host":          forKinds(stringKey(func(s *config.Sync, v string) { s.Host = v }), "rsyncssh"),
	"targetdir":     forKinds(stringKey(func(s *config.Sync, v string) { s.TargetDir = v }), "rsyncssh"),
	// lsyncd's keys, in lsyncdkeys.go.
	"filterFrom":     stringKey(func(s *config.Sync, v string) { s.FilterFrom = v }),
	"maxDelays":      intKey(func(s *config.Sync, v int) { s.MaxDelays = v }),
	"batchSizeLimit": batchSizeLimitKey,
	"rsyncExitCodes": forKinds(exitCodesKey(func(s *config.Sync) *map[int]config.ExitAction { return &s.RsyncExitCodes }), "rsync", "rsyncssh"),
	"sshExitCodes":   forKinds(exitCodesKey(func(s *config.Sync) *map[int]config.ExitAction { return &s.SSHExitCodes }), "rsync", "rsyncssh"),
}

// forKinds limits a key to some sync kinds, saying which when it is used
// with another.
func forKinds(parse syncKeyParser, kinds ...string) syncKeyParser {
	return func(d *syncDecl, v lua.LValue) error {
		if slices.Contains(kinds, d.kind) {
			return parse(d, v)
		}
		msg := "belongs to default." + strings.Join(kinds, " and default.") + " syncs"
		if d.kind != "" {
			msg += ", not default." + d.kind
		}
		return errors.New(msg)
	}
}

// notYet are lsyncd sync{} keys luasync does not have, with what to do.
var notYet = map[string]string{
	"rsyncOpts":   "rsyncOpts is lsyncd 2.0's; use rsync = { archive = true, _extra = { ... } }",
	"rsyncOps":    "rsyncOps is lsyncd 2.0's; use rsync = { archive = true, _extra = { ... } }",
	"rsyncBinary": "rsyncBinary is lsyncd 2.0's; use rsync = { binary = ... }",
	"xargs":       "lsyncd's xargs = { ... } is not needed: luasync deletes through rsync itself",
}

func stringKey(set func(*config.Sync, string)) syncKeyParser {
	return func(d *syncDecl, v lua.LValue) error {
		s, err := toString(v)
		d.set(func(c *config.Sync) { set(c, s) })
		return err
	}
}

func listKey(set func(*config.Sync, []string)) syncKeyParser {
	return func(d *syncDecl, v lua.LValue) error {
		l, err := toStringList(v)
		d.set(func(c *config.Sync) { set(c, l) })
		return err
	}
}

func durationKey(set func(*config.Sync, time.Duration)) syncKeyParser {
	return func(d *syncDecl, v lua.LValue) error {
		t, err := toDuration(v)
		d.set(func(c *config.Sync) { set(c, t) })
		return err
	}
}

func intKey(set func(*config.Sync, int)) syncKeyParser {
	return func(d *syncDecl, v lua.LValue) error {
		n, err := toInt(v)
		d.set(func(c *config.Sync) { set(c, n) })
		return err
	}
}

func initKey(d *syncDecl, v lua.LValue) error {
	if v.Type() == lua.LTFunction {
		return fmt.Errorf("init = function is a layer 1 action; a default.%s sync runs its own startup sync: use true or false", d.kind)
	}
	b, err := toBool(v)
	d.set(func(c *config.Sync) { c.Init = b })
	return err
}

// deleteKey: true or false, or lsyncd's "startup" (only full syncs
// delete) and "running" (only changes seen while running delete).
func deleteKey(d *syncDecl, v lua.LValue) error {
	live, full := false, false
	switch v {
	case lua.LTrue:
		live, full = true, true
	case lua.LFalse:
	case lua.LString("running"):
		live = true
	case lua.LString("startup"):
		full = true
	default:
		return wantError(`true, false, "startup" or "running"`, v)
	}
	d.set(func(c *config.Sync) { c.Delete, c.FullDelete = live, full })
	return nil
}

// junkKey: a list replaces the default junk patterns; false turns junk
// filtering off and true keeps the defaults.
func junkKey(d *syncDecl, v lua.LValue) error {
	if b, ok := v.(lua.LBool); ok {
		var junk []string
		if !b {
			junk = []string{}
		}
		d.set(func(c *config.Sync) { c.Junk = junk })
		return nil
	}
	l, err := toStringList(v)
	d.set(func(c *config.Sync) { c.Junk = l })
	return err
}

// filterKey: a function is called per event; a list is lsyncd 2.2.3's
// "+ pattern" / "- pattern" rules.
func filterKey(d *syncDecl, v lua.LValue) error {
	if fn, ok := v.(*lua.LFunction); ok {
		d.filter = fn
		d.set(func(c *config.Sync) { c.FilterFunc = true })
		return nil
	}
	if _, ok := v.(*lua.LTable); !ok {
		return wantError(`a function(event) or a list of rules such as { "+ *.html", "- *" }`, v)
	}
	l, err := toStringList(v)
	d.set(func(c *config.Sync) { c.FilterRules = l })
	return err
}

func retryKey(d *syncDecl, v lua.LValue) error {
	t, ok := v.(*lua.LTable)
	if !ok {
		return wantError("a table such as { attempts = 5, initial = 1, max = 60 }", v)
	}
	keys, err := stringKeys(t)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := retryField(d, k, t.RawGetString(k)); err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
	}
	return nil
}

func retryField(d *syncDecl, key string, v lua.LValue) error {
	switch key {
	case "attempts":
		n, err := toInt(v)
		d.set(func(c *config.Sync) { c.Retry.Attempts = n })
		return err
	case "initial", "max":
		t, err := toDuration(v)
		d.set(func(c *config.Sync) {
			if key == "initial" {
				c.Retry.Initial = t
			} else {
				c.Retry.Max = t
			}
		})
		return err
	}
	return fmt.Errorf("unknown key%s; retry takes attempts, initial and max", suggestion(key, []string{"attempts", "initial", "max"}))
}

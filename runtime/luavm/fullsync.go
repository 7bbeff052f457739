package luavm

import (
	"errors"
	"fmt"

	lua "github.com/yuin/gopher-lua"

	"github.com/luasync/luasync/runtime/config"
	"github.com/luasync/luasync/runtime/cron"
)

// The scheduled full sync keys. Their specs are parsed here, at load time,
// so that a bad one is a config error naming the key, before anything runs.

// crontabKey is lsyncd 2.3's crontab = { "0 0 3 * * *", ... }: six fields,
// seconds first, as lsyncd's lua-crontab reads them.
func crontabKey(d *syncDecl, v lua.LValue) error {
	specs, err := toStringList(v)
	if err != nil {
		return err
	}
	for i, spec := range specs {
		if _, err := cron.Parse(spec, cron.Crontab); err != nil {
			return fmt.Errorf("entry #%d: %w", i+1, err)
		}
	}
	d.set(func(c *config.Sync) { c.Crontab = specs })
	return nil
}

const fullsyncWant = `a table such as { schedule = "@every 6h", exclude = { "/cache/" } }, or just the schedule`

// fullsyncKey is luasync's fullsync = { schedule = SPEC, exclude = { ... } },
// or fullsync = SPEC.
func fullsyncKey(d *syncDecl, v lua.LValue) error {
	var fs config.FullSync
	switch x := v.(type) {
	case lua.LString:
		fs.Schedule = string(x)
	case *lua.LTable:
		if err := fullsyncFields(&fs, x); err != nil {
			return err
		}
	default:
		return wantError(fullsyncWant, v)
	}
	if _, err := cron.Parse(fs.Schedule, cron.Flexible); err != nil {
		return fmt.Errorf("schedule: %w", err)
	}
	d.set(func(c *config.Sync) { c.FullSync = &fs })
	return nil
}

func fullsyncFields(fs *config.FullSync, t *lua.LTable) error {
	keys, err := stringKeys(t)
	if err != nil {
		return err
	}
	for _, k := range keys {
		v := t.RawGetString(k)
		switch k {
		case "schedule":
			fs.Schedule, err = toString(v)
		case "exclude":
			fs.Exclude, err = toStringList(v)
		default:
			err = fmt.Errorf("unknown key%s; fullsync takes schedule and exclude", suggestion(k, []string{"schedule", "exclude"}))
		}
		if err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
	}
	if fs.Schedule == "" {
		return errors.New(`no schedule: say when, e.g. fullsync = { schedule = "@daily" } or "0 3 * * *" (03:00 every day)`)
	}
	return nil
}

package luavm

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/luasync/luasync/runtime/config"
)

// TestLoadSchedules: lsyncd's crontab list and luasync's fullsync table
// (or its schedule alone) become the sync's schedules.
func TestLoadSchedules(t *testing.T) {
	_, cfg, err := LoadString("cfg.lua", `
sync { default.direct, source = "/a", target = "/b",
	crontab = { "0 0 3 * * *", "*/10 * * * * *" },
	fullsync = { schedule = "@every 6h", exclude = { "/cache/", "*.iso" } },
}
sync { default.direct, source = "/c", target = "/d", fullsync = "0 3 * * *", crontab = "0 30 * * * *" }
sync { default.direct, source = "/e", target = "/f" }
`)
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Syncs
	if want := []string{"0 0 3 * * *", "*/10 * * * * *"}; !reflect.DeepEqual(s[0].Crontab, want) {
		t.Errorf("crontab = %q, want %q", s[0].Crontab, want)
	}
	if want := (&config.FullSync{Schedule: "@every 6h", Exclude: []string{"/cache/", "*.iso"}}); !reflect.DeepEqual(s[0].FullSync, want) {
		t.Errorf("fullsync = %+v, want %+v", s[0].FullSync, want)
	}
	if s[1].FullSync == nil || s[1].FullSync.Schedule != "0 3 * * *" || s[1].FullSync.Exclude != nil {
		t.Errorf("fullsync = SPEC gives %+v", s[1].FullSync)
	}
	if want := []string{"0 30 * * * *"}; !reflect.DeepEqual(s[1].Crontab, want) {
		t.Errorf("crontab = SPEC gives %q", s[1].Crontab)
	}
	if s[2].Crontab != nil || s[2].FullSync != nil {
		t.Errorf("a sync without schedules has %q, %+v", s[2].Crontab, s[2].FullSync)
	}
}

// TestLoadScheduleErrors: a bad spec is a config error naming the file,
// the line and the key, and saying what is wrong.
func TestLoadScheduleErrors(t *testing.T) {
	const sync = "\nsync{ default.direct, source = '/a', target = '/b', "
	tests := []struct{ src, want string }{
		{sync + "crontab = { '0 0 3 * * *', '0 3 * * *' } }",
			`cfg.lua:2: sync{} key "crontab": entry #2: "0 3 * * *" has five fields; lsyncd's crontab takes six, seconds first`},
		{sync + "crontab = { '0 0 25 * * *' } }",
			`cfg.lua:2: sync{} key "crontab": entry #1: "0 0 25 * * *": end of range (25) above maximum (23)`},
		{sync + "crontab = 5 }", `key "crontab": want a list of strings, got number 5`},
		{sync + "fullsync = { schedule = '0 3 * *' } }",
			`cfg.lua:2: sync{} key "fullsync": schedule: "0 3 * *": expected 5 to 6 fields, found 4`},
		{sync + "fullsync = '@every 100ms' }", `key "fullsync": schedule: "@every 100ms": the interval must be whole seconds`},
		{sync + "fullsync = { exclude = { '/x/' } } }", `key "fullsync": no schedule: say when`},
		{sync + "fullsync = { schedule = '@daily', excludes = {} } }",
			`key "fullsync": excludes: unknown key (did you mean "exclude"?); fullsync takes schedule and exclude`},
		{sync + "fullsync = { schedule = '@daily', exclude = { 5 } } }", `key "fullsync": exclude: element #1: want a string`},
		{sync + "fullsync = true }", `key "fullsync": want a table such as { schedule = "@every 6h"`},
	}
	for _, tt := range tests {
		_, _, err := LoadString("cfg.lua", tt.src)
		var ce *config.Error
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s\nerror %v\nwant a *config.Error containing %q", tt.src, err, tt.want)
		}
	}
}

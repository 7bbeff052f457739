package luavm

import (
	"reflect"
	"strings"
	"testing"

	"github.com/luasync/luasync/runtime/config"
)

// TestLoadLsyncdKeys: lsyncd's sync{} keys filterFrom (relative to the
// config), batchSizeLimit, a per-sync maxDelays that overrides settings,
// delete = "startup" and "running", rsyncExitCodes and sshExitCodes (with
// the _merge and _verbatim markers of lsyncd's own tables), and checkgauge
// on a mirror sync.
func TestLoadLsyncdKeys(t *testing.T) {
	_, cfg, err := LoadString("/etc/lsyncd/cfg.lua", `
settings { maxDelays = 100 }
sync { default.rsync, source = "/a", target = "h::m",
	filterFrom = "rules.txt", batchSizeLimit = 1024 * 1024 * 30, maxDelays = 5, delete = "startup",
	rsyncExitCodes = { _merge = false, _verbatim = true, [0] = "ok", [5] = "die", [23] = "again" },
	sshExitCodes = { [255] = "die" },
	checkgauge = { default.rsync.checkgauge, onFull = true },
}
sync { default.direct, source = "/b", target = "/c", delete = "running" }
sync { default.direct, source = "/d", target = "/e", delete = false }
`)
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Syncs[0]
	if s.FilterFrom != "/etc/lsyncd/rules.txt" || s.BatchSizeLimit != 30<<20 || s.MaxDelays != 5 {
		t.Errorf("filterFrom %q, batchSizeLimit %d, maxDelays %d", s.FilterFrom, s.BatchSizeLimit, s.MaxDelays)
	}
	wantRsync := map[int]config.ExitAction{0: config.ExitOK, 5: config.ExitDie, 23: config.ExitAgain}
	if !reflect.DeepEqual(s.RsyncExitCodes, wantRsync) || !reflect.DeepEqual(s.SSHExitCodes, map[int]config.ExitAction{255: config.ExitDie}) {
		t.Errorf("rsyncExitCodes %v, sshExitCodes %v", s.RsyncExitCodes, s.SSHExitCodes)
	}
	if s.KeyPos["rsyncExitCodes"].Line != 5 {
		t.Errorf("rsyncExitCodes set at %v, want line 5", s.KeyPos["rsyncExitCodes"])
	}
	for i, want := range []string{"startup", "running", "false"} {
		if got := cfg.Syncs[i].DeleteMode(); got != want {
			t.Errorf("sync %d: delete %q, want %q", i+1, got, want)
		}
	}
	if got := cfg.Syncs[1].MaxDelays; got != 100 {
		t.Errorf("sync 2: maxDelays %d, want settings' 100", got)
	}
}

func TestLsyncdKeyErrors(t *testing.T) {
	const sync = "sync{ default.rsync, source = '/a', target = 'h::m',\n"
	for _, tt := range []struct{ src, want string }{
		{sync + "delete = 'sometimes' }", `cfg.lua:2: sync{} key "delete": want true, false, "startup" or "running", got the string "sometimes"`},
		{sync + "batchSizeLimit = 0 }", `cfg.lua:2: sync{} key "batchSizeLimit": 0: must be at least 1 (bytes)`},
		{sync + "batchSizeLimit = '30M' }", `key "batchSizeLimit": want a whole number`},
		{sync + "maxDelays = -1 }", ""}, // Validate's: see TestValidate
		{sync + "filterFrom = { 'x' } }", `key "filterFrom": want a string`},
		{sync + "rsyncExitCodes = { [5] = 'dei' } }", `key "rsyncExitCodes": [5]: want "ok", "again" or "die", got the string "dei" (did you mean "die"?)`},
		{sync + "rsyncExitCodes = { five = 'die' } }", `key "rsyncExitCodes": key the string "five": want an exit status from 0 to 255`},
		{sync + "sshExitCodes = { [256] = 'ok' } }", `key "sshExitCodes": key number 256: want an exit status from 0 to 255`},
		{sync + "rsyncExitCodes = 'die' }", `key "rsyncExitCodes": want a table such as`},
		{"sync{ source = '/a', onCreate = 'true', rsyncExitCodes = { [5] = 'die' } }", ""}, // an action's collect reads it
		{"sync{ default.direct, source = '/a', target = '/b',\nrsyncExitCodes = {} }", `cfg.lua:2: sync{} key "rsyncExitCodes": belongs to default.rsync and default.rsyncssh syncs, not default.direct`},
	} {
		_, _, err := LoadString("cfg.lua", tt.src)
		if tt.want == "" {
			if err != nil {
				t.Errorf("%s: %v, want it to load", tt.src, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s:\n got %v\nwant %q", tt.src, err, tt.want)
		}
	}
}

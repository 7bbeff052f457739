package config

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestValidateLsyncdKeys: filterFrom is read and checked like filter (a
// bad rule names the file's line); batchSizeLimit and a per-sync maxDelays
// may not be negative; a problem is reported at the key's line when the
// loader recorded it.
func TestValidateLsyncdKeys(t *testing.T) {
	rules := filepath.Join(t.TempDir(), "rules")
	writeFile(t, rules, "+ /a/***\n*.o\n")
	c := validConfig(t)
	s := &c.Syncs[0]
	s.FilterFrom = rules
	s.BatchSizeLimit = -1
	s.MaxDelays = -2
	s.KeyPos = map[string]Pos{"filterFrom": {File: "test.lua", Line: 9}}
	err := c.Validate()
	for _, want := range []string{
		`test.lua:9: sync{} key "filterFrom": ` + rules + `:2: filter rule "*.o"`,
		`test.lua:7: sync{} key "batchSizeLimit": -1: must not be negative`,
		`test.lua:7: sync{} key "maxDelays": -2: must not be negative`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v\nwant it to contain %q", err, want)
		}
	}
	s.FilterFrom, s.BatchSizeLimit, s.MaxDelays = "", 0, 0
	writeFile(t, rules, "+ /a/***\n- *\n")
	s.FilterFrom = rules
	if err := c.Validate(); err != nil {
		t.Errorf("Validate() = %v, want nil", err)
	}
}

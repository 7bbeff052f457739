package luavm

import (
	"testing"

	"github.com/luasync/luasync/runtime/config"
)

// TestLoadLsyncdSettings: lsyncd's process settings (pidfile, syslog,
// insist, onepass) in each spelling lsyncd takes them.
func TestLoadLsyncdSettings(t *testing.T) {
	tests := []struct {
		name, src string
		want      func(config.Settings) bool
	}{
		{"pidfile relative to the config", `settings{ pidfile = "run/lsyncd.pid" }`,
			func(s config.Settings) bool { return s.PidFile == "/etc/lsyncd/run/lsyncd.pid" }},
		{"syslog by name", `settings{ logfacility = "LOCAL3", logident = "mirror" }`,
			func(s config.Settings) bool { return s.LogFacility == "local3" && s.LogIdent == "mirror" }},
		{"syslog by number", `settings{ logfacility = 24 }`, // LOG_DAEMON
			func(s config.Settings) bool { return s.LogFacility == "daemon" }},
		{"insist unset", `settings{ nodaemon = true }`,
			func(s config.Settings) bool { return s.Insist == nil && !s.OnePass }},
		{"insist false", `settings{ insist = false }`,
			func(s config.Settings) bool { return s.Insist != nil && !*s.Insist }},
		{"bare names turn settings on", `settings{ "insist", "onepass", "nodaemon", maxProcesses = 3 }`,
			func(s config.Settings) bool {
				return s.Insist != nil && *s.Insist && s.OnePass && s.NoDaemon && s.MaxProcesses == 3
			}},
		{"a field at a time", "settings{}\nsettings.onepass = true",
			func(s config.Settings) bool { return s.OnePass }},
		{"settings(key) reads", "settings{ logident = 'mirror' }\nsettings{ onepass = settings('logident') == 'mirror' and settings('insist') == nil }",
			func(s config.Settings) bool { return s.OnePass }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vm, cfg, err := LoadString("/etc/lsyncd/lsyncd.conf.lua", tt.src)
			if err != nil {
				t.Fatal(err)
			}
			defer vm.Close()
			if !tt.want(cfg.Settings) {
				t.Errorf("settings = %+v", cfg.Settings)
			}
		})
	}
}

package lsyncdcli

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

// TestParse is lsyncd 2.3's command line as its runner.configure reads it.
func TestParse(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want Options
	}{
		{"config file", []string{"/etc/lsyncd.conf"}, Options{Config: "/etc/lsyncd.conf"}},
		{"options after the config, as lsyncd's tests write them",
			[]string{"cfg.lua", "-log", "all", "--nodaemon"},
			Options{Config: "cfg.lua", Log: []string{"all"}, NoDaemon: true}},
		{"every option", []string{"-nodaemon", "-delay", "0.5", "-log", "scarce", "-log", "Exec", "-logfile", "l",
			"-pidfile", "p", "-insist", "-onepass", "-monitor", "inotify", "c.lua"},
			Options{Config: "c.lua", NoDaemon: true, Delay: 500 * time.Millisecond, HasDelay: true,
				Log: []string{"scarce", "Exec"}, LogFile: "l", PidFile: "p", Insist: true, OnePass: true}},
		{"config-less forms repeat", []string{"-nodaemon", "-delay", "5", "-rsync", "/s/", "/t/",
			"-rsyncssh", "/s2", "user@host", "dir", "-direct", "/s3", "/t3", "-sshopts", "-p 2222 -i '/k/my key'"},
			Options{NoDaemon: true, Delay: 5 * time.Second, HasDelay: true, Syncs: []Sync{
				{Kind: "rsync", Source: "/s/", Target: "/t/"},
				{Kind: "rsyncssh", Source: "/s2", Host: "user@host", Target: "dir"},
				{Kind: "direct", Source: "/s3", Target: "/t3"}},
				SSHOpts: []string{"-p", "2222", "-i", "/k/my key"}}},
		{"-help anywhere wins", []string{"-bogus", "x", "y", "--help"}, Options{Help: true}},
		{"-version stops reading", []string{"-nodaemon", "-version", "-bogus"}, Options{NoDaemon: true, Version: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.args)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("Parse(%q)\n got %+v\nwant %+v", tt.args, *got, tt.want)
			}
		})
	}
}

// TestParseErrors: what lsyncd refuses, refused with its words.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-bogus", "c.lua"}, "unknown option command line option -bogus"},
		{[]string{"c.lua", "-rsync", "/s"}, "rsync needs 2 arguments"},
		{[]string{"-log", "exec", "-help"}, "'exec' is not a valid logging category"}, // checked before -help, as lsyncd's core does
		{[]string{"-rsync", "/s", "/t", "c.lua"}, "there cannot be command line syncs and a config file together"},
		{[]string{"a.lua", "b.lua"}, `there can only be one config file in the command line (got ["a.lua" "b.lua"])`},
		{[]string{"-delay", "soon", "c.lua"}, `-delay "soon": want a number of seconds, such as 5 or 0.5`},
		{[]string{"-sshopts", "-i '/k", "-rsyncssh", "/s", "h", "d"}, `-sshopts "-i '/k": missing the closing '`},
		{[]string{"-monitor", "fanotify", "c.lua"}, "-monitor fanotify: luasync watches with inotify only"},
		{[]string{"-script", "x.lua", "c.lua"}, "-script runs extra Lua before the config; luasync has no such hook: put that Lua at the top of the config"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.args)
		if err == nil || err.Error() != tt.want {
			t.Errorf("Parse(%q) = %v, want %q", tt.args, err, tt.want)
		}
	}
	if _, err := Parse([]string{"-nodaemon"}); !errors.Is(err, ErrNothingToDo) {
		t.Errorf("Parse(-nodaemon) = %v, want ErrNothingToDo", err)
	}
}

func TestSplitQuoted(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"-p 22 -i '/home/test/bla blu/id_rsa'", []string{"-p", "22", "-i", "/home/test/bla blu/id_rsa"}},
		{`  -o "ProxyCommand=ssh -W %h:%p \"jump\"" -v `, []string{"-o", `ProxyCommand=ssh -W %h:%p "jump"`, "-v"}},
		{`a\ b '' "x"y`, []string{"a b", "", "xy"}},
		{"", nil},
	}
	for _, tt := range tests {
		got, err := SplitQuoted(tt.in)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("SplitQuoted(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

package rsync_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/luasync/luasync/runtime/rsync"
)

func TestParseTarget(t *testing.T) {
	tests := []struct {
		in   string
		want rsync.Target
		str  string // Target.String()
	}{
		{"/srv/mirror/", rsync.Target{Kind: rsync.Local, Path: "/srv/mirror"}, "/srv/mirror"},
		{"/", rsync.Target{Kind: rsync.Local, Path: "/"}, "/"},
		{"/a:b/c", rsync.Target{Kind: rsync.Local, Path: "/a:b/c"}, "/a:b/c"},
		{"backup::www", rsync.Target{Kind: rsync.Daemon, Host: "backup", Module: "www"}, "rsync://backup/www"},
		{"bob@backup::www/sub/dir/", rsync.Target{Kind: rsync.Daemon, Host: "backup", User: "bob", Module: "www", Path: "sub/dir"},
			"rsync://bob@backup/www/sub/dir"},
		{"rsync://backup/www", rsync.Target{Kind: rsync.Daemon, Host: "backup", Module: "www"}, "rsync://backup/www"},
		{"rsync://bob@10.0.0.2:8873/www/a b", rsync.Target{Kind: rsync.Daemon, Host: "10.0.0.2", User: "bob", Module: "www", Port: 8873, Path: "a b"},
			"rsync://bob@10.0.0.2:8873/www/a b"},
		{"rsync://[::1]:873/m", rsync.Target{Kind: rsync.Daemon, Host: "::1", Module: "m", Port: 873}, "rsync://[::1]:873/m"},
		{"[fe80::1]::m/x", rsync.Target{Kind: rsync.Daemon, Host: "fe80::1", Module: "m", Path: "x"}, "rsync://[fe80::1]/m/x"},
		{"web1:/srv/www", rsync.Target{Kind: rsync.SSH, Host: "web1", Path: "/srv/www"}, "web1:/srv/www"},
		{"deploy@web1:/srv/www", rsync.Target{Kind: rsync.SSH, Host: "web1", User: "deploy", Path: "/srv/www"}, "deploy@web1:/srv/www"},
		{"web1:backup", rsync.Target{Kind: rsync.SSH, Host: "web1", Path: "backup"}, "web1:backup"},
		{"web1:", rsync.Target{Kind: rsync.SSH, Host: "web1"}, "web1:"},
		{"web1:~/backup", rsync.Target{Kind: rsync.SSH, Host: "web1", Path: "backup"}, "web1:backup"},
		{"web1:~", rsync.Target{Kind: rsync.SSH, Host: "web1"}, "web1:"},
		{"root@[::1]:/x:y", rsync.Target{Kind: rsync.SSH, Host: "::1", User: "root", Path: "/x:y"}, "root@[::1]:/x:y"},
		{"web1:/a@[b]:c", rsync.Target{Kind: rsync.SSH, Host: "web1", Path: "/a@[b]:c"}, "web1:/a@[b]:c"},
	}
	for _, tt := range tests {
		got, err := rsync.ParseTarget(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseTarget(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			continue
		}
		if got.String() != tt.str {
			t.Errorf("ParseTarget(%q).String() = %q, want %q", tt.in, got.String(), tt.str)
		}
	}
}

func TestParseTargetErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "want \"host::module[/path]\""},
		{"mirror", "must be an absolute path"},
		{"./a:b", "must be an absolute path"},
		{"backup::", "no module"},
		{"rsync://backup/", "no module"},
		{"rsync://backup:port/m", `port "port" is not a number`},
		{"rsync://backup:0/m", `port "0" is not a number`},
		{"-oProxyCommand=x:/a", "may not start with '-'"},
		{"-x@host:/a", "may not start with '-'"},
		{":/a", "no host"},
		{"web1:~bob/x", "~user paths are not expanded"},
	}
	for _, tt := range tests {
		_, err := rsync.ParseTarget(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseTarget(%q) = %v, want an error containing %q", tt.in, err, tt.want)
		}
	}
}

// TestNewErrors: what New checks before anything runs, and how it says so.
func TestNewErrors(t *testing.T) {
	src := t.TempDir()
	bin, _ := fakeRsync(t)
	old := filepath.Join(t.TempDir(), "rsync")
	if err := os.WriteFile(old, []byte("#!/bin/sh\necho 'rsync  version 3.0.9  protocol version 30'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	local := func(p string) rsync.Target { return rsync.Target{Kind: rsync.Local, Path: p} }
	tests := []struct {
		name string
		opts rsync.Options
		want string
	}{
		{"missing binary", rsync.Options{Source: src, Target: local("/mnt/x"), Binary: "rsync-not-installed"},
			"rsync-not-installed not found in PATH: apt-get install rsync"},
		{"old rsync", rsync.Options{Source: src, Target: local("/mnt/x"), Binary: old},
			"is rsync 3.0.9; luasync needs 3.1.0 or newer"},
		{"relative source", rsync.Options{Source: "src", Target: local("/mnt/x"), Binary: bin}, "not an absolute path"},
		{"missing source", rsync.Options{Source: src + "/nope", Target: local("/mnt/x"), Binary: bin}, "no such file"},
		{"target inside source", rsync.Options{Source: src, Target: local(src + "/m"), Binary: bin}, "is inside source"},
		{"source inside target", rsync.Options{Source: src, Target: local(filepath.Dir(src)), Binary: bin}, "is inside target"},
		{"no target", rsync.Options{Source: src, Binary: bin}, "unknown target kind"},
		{"denied flag", rsync.Options{Source: src, Target: local("/mnt/x"), Binary: bin, Args: []string{"-a", "--delete"}},
			`rsync flag "--delete": not allowed: use delete = true`},
		{"denied short flag", rsync.Options{Source: src, Target: local("/mnt/x"), Binary: bin, Args: []string{"-avr"}},
			"-r is --recursive"},
		{"missing ssh", rsync.Options{Source: src, Target: rsync.Target{Kind: rsync.SSH, Host: "h"}, Binary: bin,
			SSH: rsync.SSHOptions{Binary: "ssh-not-installed"}}, "ssh-not-installed not found in PATH: apt-get install openssh-client"},
		{"missing identity", rsync.Options{Source: src, Target: rsync.Target{Kind: rsync.SSH, Host: "h"}, Binary: bin,
			SSH: rsync.SSHOptions{IdentityFile: "/nonexistent/id"}}, "ssh identity file"},
		{"rsh and ssh options", rsync.Options{Source: src, Target: rsync.Target{Kind: rsync.SSH, Host: "h", Port: 2222}, Binary: bin,
			Rsh: "ssh"}, "rsh replaces the whole ssh command"},
		{"unbalanced rsh", rsync.Options{Source: src, Target: rsync.Target{Kind: rsync.SSH, Host: "h"}, Binary: bin,
			Rsh: "ssh -i 'x"}, "unbalanced ' quote"},
	}
	for _, tt := range tests {
		_, err := rsync.New(tt.opts)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: New = %v, want an error containing %q", tt.name, err, tt.want)
		}
	}
}

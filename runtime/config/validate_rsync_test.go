package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/rsync"
)

// rsyncConfig returns a config that passes Validate: one default.rsync
// sync with a daemon target, an ssh target and a local one, and a
// password file rsync accepts.
func rsyncConfig(t *testing.T) *Config {
	t.Helper()
	c := validConfig(t)
	s := &c.Syncs[0]
	pw := filepath.Join(t.TempDir(), "rsync.pass")
	if err := os.WriteFile(pw, []byte("secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s.Kind = "rsync"
	s.Targets = []string{"rsync://bob@backup:8873/www/sub", "deploy@web1:/srv/www"}
	s.Rsync = RsyncConfig{Args: []string{"--archive", "--compress"}, PasswordFile: pw, Timeout: 30 * time.Second}
	return c
}

func TestValidateRsyncAcceptsValid(t *testing.T) {
	c := rsyncConfig(t)
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate() = %v", err)
	}
	ssh := addSync(t, c, 20)
	ssh.Kind, ssh.Target = "rsyncssh", ""
	ssh.Host, ssh.TargetDir = "deploy@web2", "/srv/www"
	ssh.SSH = SSHConfig{Port: 2222, Options: []string{"StrictHostKeyChecking=yes"}}
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate() with rsyncssh = %v", err)
	}
	want := [][]string{
		{c.Syncs[0].Target, "rsync://bob@backup:8873/www/sub", "deploy@web1:/srv/www"},
		{"deploy@web2:/srv/www"},
	}
	for i, s := range c.Syncs {
		if got := s.RsyncTargets(); strings.Join(got, "|") != strings.Join(want[i], "|") {
			t.Errorf("sync %d: RsyncTargets() = %q, want %q", i, got, want[i])
		}
	}
	v6 := Sync{Kind: "rsyncssh", Host: "root@::1", TargetDir: "/x"}
	if got := v6.RsyncTargets(); len(got) != 1 || got[0] != "root@[::1]:/x" {
		t.Errorf("IPv6 host: RsyncTargets() = %q", got)
	}
}

// TestValidateRsyncErrors: each mistake in an rsync sync, and how it reads.
func TestValidateRsyncErrors(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(t *testing.T, s *Sync)
		want   []string
	}{
		{"no target", func(t *testing.T, s *Sync) { s.Target, s.Targets = "", nil },
			[]string{`test.lua:7: sync{} key "target": missing: say where to send to`}},
		{"bad target", func(t *testing.T, s *Sync) { s.Target = "backup::" },
			[]string{`key "target": target "backup::": `, "no module"}},
		{"relative local target", func(t *testing.T, s *Sync) { s.Targets = []string{"mirror"} },
			[]string{`key "targets": target "mirror": a local target must be an absolute path`}},
		{"target listed twice", func(t *testing.T, s *Sync) { s.Targets = append(s.Targets, "rsync://bob@backup:8873/www/sub/") },
			[]string{`key "targets": rsync://bob@backup:8873/www/sub is listed twice`}},
		{"local target inside source", func(t *testing.T, s *Sync) { s.Target = s.Source + "/mirror" },
			[]string{`key "target": `, "is inside source"}},
		{"host on default.rsync", func(t *testing.T, s *Sync) { s.Host = "web1" },
			[]string{`key "host": belongs to default.rsyncssh`}},
		{"rsyncssh without host", func(t *testing.T, s *Sync) { s.Kind, s.Target, s.Targets, s.TargetDir = "rsyncssh", "", nil, "/x" },
			[]string{`key "host": missing`}},
		{"rsyncssh with target", func(t *testing.T, s *Sync) { s.Kind, s.Host, s.TargetDir = "rsyncssh", "web1", "/x" },
			[]string{`key "target": default.rsyncssh takes host and targetdir`}},
		{"rsyncssh without targetdir", func(t *testing.T, s *Sync) { s.Kind, s.Target, s.Targets, s.Host = "rsyncssh", "", nil, "web1" },
			[]string{`key "targetdir": missing`}},
		{"denied flag", func(t *testing.T, s *Sync) { s.Rsync.Args = append(s.Rsync.Args, "--delete-after") },
			[]string{`key "rsync": rsync flag "--delete-after": not allowed: use delete = true`}},
		{"missing rsync", func(t *testing.T, s *Sync) { s.Rsync.Binary = "rsync-not-installed" },
			[]string{`key "rsync": binary: rsync-not-installed not found in PATH: apt-get install rsync`}},
		{"open password file", func(t *testing.T, s *Sync) { os.Chmod(s.Rsync.PasswordFile, 0o640) },
			[]string{`key "rsync": password_file: password file `, "has mode 0640", "chmod 600"}},
		{"missing password file", func(t *testing.T, s *Sync) { s.Rsync.PasswordFile += ".missing" },
			[]string{`key "rsync": password_file: password file: stat `, "no such file"}},
		{"password file without a daemon", func(t *testing.T, s *Sync) { s.Targets = s.Targets[1:] },
			[]string{`key "rsync": password_file: only rsync daemon targets`}},
		{"bad port", func(t *testing.T, s *Sync) { s.Rsync.Port = 70000 },
			[]string{`key "rsync": port 70000`}},
		{"negative timeout", func(t *testing.T, s *Sync) { s.Rsync.Timeout = -time.Second },
			[]string{`key "rsync": timeout -1s: must not be negative`}},
		{"rsh without ssh target", func(t *testing.T, s *Sync) { s.Rsync.Rsh, s.Targets = "ssh -p 2", s.Targets[:1] },
			[]string{`key "rsync": rsh: no target of this sync is reached over ssh`}},
		{"rsh and ssh", func(t *testing.T, s *Sync) { s.Rsync.Rsh, s.SSH.Port = "ssh -p 2", 22 },
			[]string{`key "ssh": rsync = { rsh = ... } replaces ssh = { ... }`}},
		{"ssh without ssh target", func(t *testing.T, s *Sync) { s.SSH.Port, s.Targets = 22, s.Targets[:1] },
			[]string{`key "ssh": no target of this sync is reached over ssh`}},
		{"multiplex without ssh target", func(t *testing.T, s *Sync) { s.SSH.NoMultiplex, s.Targets = true, s.Targets[:1] },
			[]string{`key "ssh": no target of this sync is reached over ssh`}},
		{"rsh and multiplex", func(t *testing.T, s *Sync) { s.Rsync.Rsh, s.SSH.NoMultiplex = "ssh -p 2", true },
			[]string{`key "ssh": rsync = { rsh = ... } replaces ssh = { ... }`}},
		{"missing identity", func(t *testing.T, s *Sync) { s.SSH.IdentityFile = "/nonexistent/id" },
			[]string{`key "ssh": identityFile: stat /nonexistent/id: no such file`}},
		{"missing ssh", func(t *testing.T, s *Sync) { s.SSH.Binary = "ssh-not-installed" },
			[]string{`key "ssh": binary: ssh-not-installed not found in PATH: apt-get install openssh-client`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := rsyncConfig(t)
			tt.mutate(t, &c.Syncs[0])
			err := c.Validate()
			for _, w := range tt.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %v\nwant it to contain %q", err, w)
				}
			}
		})
	}
}

// TestValidateRsyncAcrossSyncs: local rsync targets are checked against
// other syncs' targets and sources, as direct targets are.
func TestValidateRsyncAcrossSyncs(t *testing.T) {
	c := validConfig(t)
	s := addSync(t, c, 12)
	s.Kind, s.Target = "rsync", ""
	s.Targets = []string{"backup::www", c.Syncs[0].Target}
	err := c.Validate()
	want := `test.lua:12: sync{} key "targets": ` + c.Syncs[0].Target + " is also the target of another sync (the sync{} at test.lua:7)"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Validate() = %v\nwant it to contain %q", err, want)
	}
}

// The daemon converts SSHConfig to rsync.SSHOptions directly; this breaks
// the build the day they stop having the same fields.
var _ = rsync.SSHOptions(SSHConfig{})

package luavm

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/config"
)

// TestLoadRsync is the rsync side of the config language: default.rsync
// with every rsync = { ... } key and several targets, and default.rsyncssh
// with host, targetdir and ssh = { ... }, in lsyncd's shapes.
func TestLoadRsync(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "luasync.lua")
	_, cfg, err := LoadString(name, `
sync {
	default.rsync,
	source  = "/srv/www",
	target  = "backup::www/site",
	targets = { "rsync://bob@10.0.0.9:8873/www", "deploy@web1:/srv/www", "mirror" },
	delete  = true,
	workers = 3,
	rsync   = {
		binary = "/usr/local/bin/rsync", archive = true, compress = true, verbose = false,
		checksum = true, whole_file = false, perms = false, owner = true, group = true, times = true,
		links = true, copy_links = false, hard_links = true, acls = true, xattrs = true, sparse = true,
		inplace = false, update = true, temp_dir = "/var/tmp", bwlimit = 1000, chmod = "D2775,F664",
		chown = "www:www", rsync_path = "sudo rsync", password_file = "secrets/rsync.pass", port = 8730,
		timeout = 30, protect_args = true, _extra = { "--exclude-from=/etc/x", "--info=progress2" },
	},
}
sync {
	default.rsyncssh,
	source    = "/srv/b",
	host      = "deploy@web2",
	targetdir = "/srv/b",
	rsync     = { archive = false, times = true, rsh = "ssh -p 2222" },
	ssh       = {
		binary = "/usr/bin/ssh", port = 2222, identityFile = "keys/id_ed25519",
		options = { StrictHostKeyChecking = "yes", Compression = false, ServerAliveInterval = 15 },
		_extra = { "-4" }, multiplex = false,
	},
}
sync { default.rsync, source = "/srv/c", target = "/mnt/c" }
`)
	if err != nil {
		t.Fatal(err)
	}
	a, b, c := cfg.Syncs[0], cfg.Syncs[1], cfg.Syncs[2]
	if a.Kind != "rsync" || a.Target != "backup::www/site" || a.Workers != 3 || !a.Delete {
		t.Errorf("sync a = %+v", a)
	}
	wantTargets := []string{"rsync://bob@10.0.0.9:8873/www", "deploy@web1:/srv/www", filepath.Join(dir, "mirror")}
	if !reflect.DeepEqual(a.Targets, wantTargets) {
		t.Errorf("targets = %q, want %q", a.Targets, wantTargets)
	}
	wantRsync := config.RsyncConfig{
		Binary: "/usr/local/bin/rsync",
		Args: []string{"--archive", "--acls", "--checksum", "--compress", "--group", "--hard-links", "--links",
			"--owner", "--no-perms", "--sparse", "--times", "--update", "--no-whole-file", "--xattrs",
			"--bwlimit=1000", "--chmod=D2775,F664", "--chown=www:www", "--rsync-path=sudo rsync", "--temp-dir=/var/tmp",
			"--exclude-from=/etc/x", "--info=progress2"},
		PasswordFile: filepath.Join(dir, "secrets/rsync.pass"),
		Port:         8730,
		Timeout:      30 * time.Second,
	}
	if !reflect.DeepEqual(a.Rsync, wantRsync) {
		t.Errorf("rsync:\n got %+v\nwant %+v", a.Rsync, wantRsync)
	}
	if b.Kind != "rsyncssh" || b.Host != "deploy@web2" || b.TargetDir != "/srv/b" ||
		!reflect.DeepEqual(b.Rsync, config.RsyncConfig{Args: []string{"--times"}, Rsh: "ssh -p 2222"}) {
		t.Errorf("sync b = %+v", b)
	}
	wantSSH := config.SSHConfig{Binary: "/usr/bin/ssh", Port: 2222, IdentityFile: filepath.Join(dir, "keys/id_ed25519"),
		Options: []string{"Compression=no", "ServerAliveInterval=15", "StrictHostKeyChecking=yes"}, Extra: []string{"-4"},
		NoMultiplex: true}
	if !reflect.DeepEqual(b.SSH, wantSSH) {
		t.Errorf("ssh:\n got %+v\nwant %+v", b.SSH, wantSSH)
	}
	if c.Rsync.Args != nil || c.Target != "/mnt/c" {
		t.Errorf("without rsync = { ... }, Args = %q (want nil: the sink's defaults)", c.Rsync.Args)
	}
}

func TestLoadRsyncErrors(t *testing.T) {
	const rs = `sync{ default.rsync, source = "/a", target = "h::m", `
	tests := []struct{ name, src, want string }{
		{"unknown rsync key", "\n" + rs + "rsync = { compres = true } }",
			`cfg.lua:2: sync{} key "rsync": compres: unknown key (did you mean "compress"?)`},
		{"unknown rsync key far off", rs + "rsync = { frobnicate = true } }", `key "rsync": frobnicate: unknown key`},
		{"rsync bool type", rs + "rsync = { archive = 'yes' } }", `key "rsync": archive: want true or false, got the string "yes"`},
		{"rsync value type", rs + "rsync = { bwlimit = 1.5 } }", `key "rsync": bwlimit: want a string or a whole number`},
		{"rsync extra type", rs + "rsync = { _extra = '-z' } }", ``},
		{"rsync dry run", rs + "rsync = { dry_run = true } }", `key "rsync": dry_run: not supported: a dry run`},
		{"rsync not a table", rs + "rsync = true }", `key "rsync": want a table`},
		{"unknown ssh key", `sync{ default.rsyncssh, source = "/a", host = "h", targetdir = "/t", ssh = { identity_file = "x" } }`,
			`key "ssh": identity_file: unknown key (did you mean "identityFile"?)`},
		{"ssh multiplex type", `sync{ default.rsyncssh, source = "/a", host = "h", targetdir = "/t", ssh = { multiplex = "no" } }`,
			`key "ssh": multiplex: want true or false, got the string "no"`},
		{"ssh option type", `sync{ default.rsyncssh, source = "/a", host = "h", targetdir = "/t", ssh = { options = { A = {} } } }`,
			`key "ssh": options: A: want a string, a number, or true or false`},
		{"rsync on direct", `sync{ default.direct, source = "/a", target = "/b", rsync = {} }`,
			`key "rsync": belongs to default.rsync and default.rsyncssh syncs, not default.direct`},
		{"host on rsync", rs + "host = 'web1' }", `key "host": belongs to default.rsyncssh syncs, not default.rsync`},
		{"targets on rsyncssh", `sync{ default.rsyncssh, source = "/a", targets = { "x::y" } }`,
			`key "targets": belongs to default.rsync syncs, not default.rsyncssh`},
		{"lsyncd 2.0 rsyncOpts", rs + "rsyncOpts = { '-az' } }", `key "rsyncOpts": rsyncOpts is lsyncd 2.0's`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := LoadString("cfg.lua", tt.src)
			if tt.want == "" {
				if err != nil {
					t.Errorf("LoadString = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("LoadString = %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

// TestLoadThenValidateRsync: an rsyncssh config with a missing identity
// file and a password file others can read, as `luasync check` reports
// them.
func TestLoadThenValidateRsync(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "www"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "pw"), []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chmod(filepath.Join(dir, "pw"), 0o644)
	name := filepath.Join(dir, "luasync.lua")
	_, cfg, err := LoadString(name, `
sync{ default.rsync, source = "www", target = "backup::www", rsync = { password_file = "pw" } }
sync{ default.rsyncssh, source = "www", host = "web1", targetdir = "/srv/www", ssh = { identityFile = "nokey" } }
sync{ default.rsync, source = "www", targets = { "backup::www", "mirror" } }
`)
	if err != nil {
		t.Fatal(err)
	}
	err = cfg.Validate()
	for _, want := range []string{
		name + `:2: sync{} key "rsync": password_file: password file ` + filepath.Join(dir, "pw") + " has mode 0644",
		name + `:3: sync{} key "ssh": identityFile: stat ` + filepath.Join(dir, "nokey") + ": no such file or directory",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v\nwant it to contain %q", err, want)
		}
	}
	if err != nil && strings.Contains(err.Error(), name+":4:") {
		t.Errorf("the valid sync at line 4 was reported: %v", err)
	}
}

package config

import (
	"os"
	"slices"

	"github.com/luasync/luasync/runtime/rsync"
	"github.com/luasync/luasync/runtime/tunnel"
)

// validateRsync checks what default.rsync and default.rsyncssh add: the
// targets, the rsync = { ... } table and the ssh = { ... } table, against
// each other and against this machine (binaries, the password file, the
// identity file), as the sinks would at startup.
func validateRsync(p *problems, s *Sync, sourceOK bool) {
	switch s.Kind {
	case "rsync":
		for _, key := range []string{"host", "targetdir"} {
			if (key == "host" && s.Host != "") || (key == "targetdir" && s.TargetDir != "") {
				p.add(key, "belongs to default.rsyncssh; default.rsync takes target = \"[user@]host:/path\"")
			}
		}
		if len(s.RsyncTargets()) == 0 {
			p.add("target", `missing: say where to send to, e.g. target = "backup::www", "rsync://user@backup/www", "user@host:/srv/www" or "/mnt/mirror"`)
		}
	case "rsyncssh":
		if s.Target != "" || len(s.Targets) > 0 {
			p.add("target", "default.rsyncssh takes host and targetdir, not target; or use default.rsync with target = \"[user@]host:/path\"")
		}
		if s.Host == "" {
			p.add("host", `missing: say which host to send to, e.g. host = "deploy@web1"`)
		}
		if s.TargetDir == "" {
			p.add("targetdir", `missing: say which directory on the host to send to, e.g. targetdir = "/srv/www"`)
		}
	}
	kinds := validateTargets(p, s, sourceOK)
	validateRsyncTable(p, &s.Rsync, kinds)
	validateSSHTable(p, s, kinds)
}

// validateTargets parses every target and returns the kinds present.
func validateTargets(p *problems, s *Sync, sourceOK bool) map[rsync.Kind]bool {
	kinds := map[rsync.Kind]bool{}
	seen := map[string]bool{}
	for i, raw := range s.RsyncTargets() {
		key := targetKey(s, i)
		if s.Tunnel == nil && tunnel.HasPort(raw) {
			continue // validateSyncTunnel says what is missing
		}
		t, err := s.parseTarget(raw)
		if err != nil {
			p.add(key, "%v", err)
			continue
		}
		kinds[t.Kind] = true
		if seen[t.String()] {
			p.add(key, "%s is listed twice", t)
		}
		seen[t.String()] = true
		if t.Kind == rsync.Local && sourceOK {
			validateNesting(p, s.Source, t.Path)
		}
	}
	return kinds
}

// targetKey names the config key target i of RsyncTargets came from.
func targetKey(s *Sync, i int) string {
	switch {
	case s.Kind == "rsyncssh":
		return "host"
	case i == 0 && s.Target != "":
		return "target"
	}
	return "targets"
}

func validateRsyncTable(p *problems, r *RsyncConfig, kinds map[rsync.Kind]bool) {
	if err := rsync.CheckArgs(r.Args); err != nil {
		p.add("rsync", "%v", err)
	}
	bin := r.Binary
	if bin == "" {
		bin = "rsync"
	}
	if _, err := rsync.FindBinary(bin, "apt-get install rsync"); err != nil {
		p.add("rsync", "binary: %v", err)
	}
	switch {
	case r.PasswordFile == "":
	case !kinds[rsync.Daemon]:
		p.add("rsync", "password_file: only rsync daemon targets (host::module, rsync://host/module) use a password file")
	default:
		if err := rsync.CheckPasswordFile(r.PasswordFile); err != nil {
			p.add("rsync", "password_file: %v", err)
		}
	}
	if r.Port < 0 || r.Port > 65535 {
		p.add("rsync", "port %d: must be from 1 to 65535", r.Port)
	}
	if r.Timeout < 0 {
		p.add("rsync", "timeout %v: must not be negative (0 waits forever)", r.Timeout)
	}
	if r.Rsh != "" && !kinds[rsync.SSH] {
		p.add("rsync", "rsh: no target of this sync is reached over ssh (host:path)")
	}
}

func validateSSHTable(p *problems, s *Sync, kinds map[rsync.Kind]bool) {
	o := &s.SSH
	set := o.Binary != "" || o.Port != 0 || o.IdentityFile != "" || len(o.Options)+len(o.Extra) > 0 || o.NoMultiplex
	switch {
	case set && !kinds[rsync.SSH]:
		p.add("ssh", "no target of this sync is reached over ssh (host:path)")
		return
	case set && s.Rsync.Rsh != "":
		p.add("ssh", "rsync = { rsh = ... } replaces ssh = { ... }: give one of them")
		return
	case !kinds[rsync.SSH] || s.Rsync.Rsh != "":
		return
	}
	bin := o.Binary
	if bin == "" {
		bin = "ssh"
	}
	if _, err := rsync.FindBinary(bin, "apt-get install openssh-client"); err != nil {
		p.add("ssh", "binary: %v", err)
	}
	if o.Port < 0 || o.Port > 65535 {
		p.add("ssh", "port %d: must be from 1 to 65535", o.Port)
	}
	if o.IdentityFile != "" {
		if _, err := os.Stat(o.IdentityFile); err != nil {
			p.add("ssh", "identityFile: %v", err)
		}
	}
	if i := slices.IndexFunc(o.Options, func(opt string) bool { return len(opt) == 0 || opt[0] == '-' }); i >= 0 {
		p.add("ssh", "options: %q is not an ssh option such as StrictHostKeyChecking=yes", o.Options[i])
	}
}

// rsyncTargetPaths returns the local directories among a sync's rsync
// targets, for the checks across syncs.
func rsyncTargetPaths(s *Sync) []string {
	var out []string
	for _, raw := range s.RsyncTargets() {
		if t, err := rsync.ParseTarget(raw); err == nil && t.Kind == rsync.Local {
			out = append(out, t.Path)
		}
	}
	return out
}

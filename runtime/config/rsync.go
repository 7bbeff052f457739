package config

import (
	"strings"
	"time"
)

// RsyncConfig is an rsync = { ... } table. Its fields map one to one onto
// rsync.Options fields of the same names.
type RsyncConfig struct {
	// Binary is binary = ...: the rsync to run, a name looked up in PATH or
	// a path. "" runs "rsync" from PATH.
	Binary string
	// Args are the flags the table asks for, in a fixed order: --archive
	// (archive = true, the default once the table exists), the other
	// boolean keys in key order (true: --key-name; false: --no-key-name for
	// what --archive implies: links, perms, times, group, owner, and for
	// whole_file), the valued keys (bwlimit = 100: --bwlimit=100), then
	// _extra verbatim. nil (no rsync table) means rsync.DefaultArgs.
	Args []string
	// PasswordFile is password_file = ...: the daemon password file, for
	// daemon targets. Refused when group or others may read it.
	PasswordFile string
	// Port is port = ...: the port of a target that names none (the
	// daemon's for host::module targets, ssh's for host:path ones).
	Port int
	// Timeout is timeout = ...: rsync's --timeout (and --contimeout for
	// a daemon; ssh's ConnectTimeout and keep-alives for ssh). 0 waits
	// forever.
	Timeout time.Duration
	// Rsh is rsh = ...: the whole remote shell for ssh targets, as
	// rsync's -e takes it ("ssh -p 2222 -i /k/id"). It replaces ssh{}.
	Rsh string
}

// SSHConfig is lsyncd's ssh = { ... } table. Its fields map one to one onto
// rsync.SSHOptions fields of the same names.
type SSHConfig struct {
	Binary       string   // binary = ...; "" runs "ssh" from PATH
	Port         int      // port = ...; 0: rsync.port, then ssh's default
	IdentityFile string   // identityFile = ... (ssh -i)
	Options      []string // options = { Key = "value" } as "Key=value", sorted by key, each passed as -o
	Extra        []string // _extra = { ... }, verbatim
	NoMultiplex  bool     // multiplex = false (luasync): no shared connection
}

// RsyncTargets returns every target of an rsync sync, each in the syntax
// rsync.ParseTarget reads: target and then targets = { ... } for
// default.rsync; "[user@]host:targetdir" for default.rsyncssh (an IPv6
// host bracketed). It returns nil for other kinds.
func (s *Sync) RsyncTargets() []string {
	switch s.Kind {
	case "rsync":
		var out []string
		if s.Target != "" {
			out = append(out, s.Target)
		}
		return append(out, s.Targets...)
	case "rsyncssh":
		if s.Host == "" {
			return nil
		}
		user, host := "", s.Host
		if i := strings.LastIndexByte(host, '@'); i >= 0 {
			user, host = host[:i+1], host[i+1:]
		}
		if strings.Contains(host, ":") {
			host = "[" + host + "]"
		}
		return []string{user + host + ":" + s.TargetDir}
	}
	return nil
}

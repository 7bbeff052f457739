package rsync

import (
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"
)

// Kind is how rsync reaches a target.
type Kind uint8

// The kinds of target. The zero Kind is no target at all.
const (
	// Local: a directory on this machine.
	Local Kind = iota + 1
	// Daemon: an rsync daemon module, host::module or rsync://host/module.
	Daemon
	// SSH: a directory on a host reached with a remote shell, host:path.
	SSH
)

func (k Kind) String() string {
	switch k {
	case Local:
		return "local"
	case Daemon:
		return "daemon"
	case SSH:
		return "ssh"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Target is where a sink sends to.
type Target struct {
	Kind   Kind
	Host   string // Daemon, SSH: a name or an address (IPv6 without brackets)
	User   string // Daemon: the auth user; SSH: the login; "" for the default
	Module string // Daemon only
	// Path is the directory: absolute for Local; below the module for
	// Daemon (no leading slash, "" for the module's root); for SSH,
	// absolute or relative to the login's home ("" is the home; ParseTarget
	// reads "~/dir" as "dir").
	Path string
	Port int // Daemon, SSH; 0 for the default (873, 22)
}

var errTargetSyntax = errors.New(`want "host::module[/path]", "rsync://[user@]host[:port]/module[/path]", "[user@]host:path" or "/local/path"`)

// ParseTarget reads a target the way rsync reads a destination argument:
//
//	/srv/mirror                        Local (must be absolute)
//	[user@]host::module[/path]         Daemon
//	rsync://[user@]host[:port]/module[/path]   Daemon
//	[user@]host:path                   SSH ("user@host:/srv/www", "host:backup")
//
// A colon before the first slash makes a target remote, as it does for
// rsync; IPv6 addresses go in brackets ("[::1]::mod", "rsync://[::1]:873/m").
func ParseTarget(s string) (Target, error) {
	t, err := parseTarget(s)
	if err == nil {
		err = t.check()
	}
	if err != nil {
		return Target{}, fmt.Errorf("target %q: %w", s, err)
	}
	return t, nil
}

func parseTarget(s string) (Target, error) {
	if rest, ok := strings.CutPrefix(s, "rsync://"); ok {
		return parseURL(rest)
	}
	if strings.HasPrefix(s, "/") {
		return Target{Kind: Local, Path: path.Clean(s)}, nil
	}
	userHost, rest, ok := cutHost(s)
	if !ok {
		if s == "" {
			return Target{}, errTargetSyntax
		}
		return Target{}, fmt.Errorf("a local target must be an absolute path")
	}
	user, host := splitUser(userHost)
	if mod, ok := strings.CutPrefix(rest, ":"); ok {
		module, sub, _ := strings.Cut(mod, "/")
		return Target{Kind: Daemon, Host: host, User: user, Module: module, Path: cleanSub(sub)}, nil
	}
	return Target{Kind: SSH, Host: host, User: user, Path: homeRelative(rest)}, nil
}

// homeRelative turns "~/dir" into "dir": with -s no remote shell expands
// the tilde, and a relative path is below the login's home anyway.
func homeRelative(p string) string {
	if p == "~" {
		return ""
	}
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		return rest
	}
	return p
}

// cutHost splits "[user@]host:rest" at the colon that ends the host, which
// must come before any slash; a bracketed IPv6 host may hold colons.
func cutHost(s string) (userHost, rest string, ok bool) {
	i := strings.IndexByte(s, ':')
	if i < 0 || strings.Contains(s[:i], "/") {
		return "", "", false
	}
	open := strings.IndexByte(s[:i], '[')
	if open < 0 {
		return s[:i], s[i+1:], true
	}
	end := strings.Index(s, "]:")
	if end < open || strings.Contains(s[:end], "/") {
		return "", "", false
	}
	return s[:open] + s[open+1:end], s[end+2:], true
}

func parseURL(rest string) (Target, error) {
	hostPort, modPath, _ := strings.Cut(rest, "/")
	user, hostPort := splitUser(hostPort)
	host, port := hostPort, 0
	if i := strings.LastIndexByte(hostPort, ':'); i >= 0 && !strings.HasSuffix(hostPort, "]") {
		n, err := strconv.Atoi(hostPort[i+1:])
		if err != nil || n < 1 || n > 65535 {
			return Target{}, fmt.Errorf("port %q is not a number from 1 to 65535", hostPort[i+1:])
		}
		host, port = hostPort[:i], n
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	module, sub, _ := strings.Cut(modPath, "/")
	return Target{Kind: Daemon, Host: host, User: user, Module: module, Port: port, Path: cleanSub(sub)}, nil
}

func splitUser(s string) (user, host string) {
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		return s[:i], s[i+1:]
	}
	return "", s
}

// cleanSub cleans a path below a daemon module: no leading or trailing
// slash, "" for the module's root.
func cleanSub(sub string) string {
	sub = strings.Trim(path.Clean("/"+sub), "/")
	return sub
}

// check refuses what rsync or ssh would take for something else: a host or
// user starting with '-' would be read as an option.
func (t Target) check() error {
	switch t.Kind {
	case Local:
		if !path.IsAbs(t.Path) {
			return errors.New("a local target must be an absolute path")
		}
		return nil
	case Daemon, SSH:
	default:
		return fmt.Errorf("unknown target kind %v", t.Kind)
	}
	switch {
	case t.Host == "":
		return errors.New("no host")
	case strings.HasPrefix(t.Host, "-") || strings.HasPrefix(t.User, "-"):
		return errors.New("a host or user may not start with '-'")
	case strings.ContainsAny(t.Host, "/@ \t\n") || strings.ContainsAny(t.User, "/@:\n"):
		return errors.New("the host or user holds a character that cannot be part of one")
	case t.Kind == Daemon && t.Module == "":
		return errors.New("no module: want host::module or rsync://host/module")
	case t.Port < 0 || t.Port > 65535:
		return fmt.Errorf("port %d is not from 1 to 65535", t.Port)
	case t.Kind == SSH && strings.HasPrefix(t.Path, "~"):
		return errors.New("~user paths are not expanded: give an absolute path, or one relative to the login's home")
	}
	return nil
}

// String renders the target as rsync would take it, with the port. It
// holds no secret: a daemon password never appears in a Target.
func (t Target) String() string {
	switch t.Kind {
	case Local:
		return t.Path
	case Daemon:
		return t.url()
	case SSH:
		s := t.userHost()
		if strings.Contains(t.Host, ":") {
			s = t.userAt() + "[" + t.Host + "]"
		}
		if t.Port != 0 {
			return fmt.Sprintf("%s:%s (port %d)", s, t.Path, t.Port)
		}
		return s + ":" + t.Path
	}
	return "(no target)"
}

// url is a daemon target's rsync:// form, without a trailing slash.
func (t Target) url() string {
	host := t.Host
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if t.Port != 0 {
		host += ":" + strconv.Itoa(t.Port)
	}
	u := "rsync://" + t.userAt() + host + "/" + t.Module
	if t.Path != "" {
		u += "/" + t.Path
	}
	return u
}

func (t Target) userAt() string {
	if t.User == "" {
		return ""
	}
	return t.User + "@"
}

// userHost is the destination ssh takes: [user@]host, IPv6 unbracketed.
func (t Target) userHost() string { return t.userAt() + t.Host }

// dest is the destination argument for rsync: the target's directory with
// a trailing slash, so every run names paths below it.
func (t Target) dest() string {
	switch t.Kind {
	case Daemon:
		return t.url() + "/"
	case SSH:
		host := t.Host
		if strings.Contains(host, ":") {
			host = "[" + host + "]"
		}
		dir := t.Path
		if dir != "" && !strings.HasSuffix(dir, "/") {
			dir += "/"
		}
		return t.userAt() + host + ":" + dir
	}
	return strings.TrimSuffix(t.Path, "/") + "/"
}

// IsLocal reports whether rsync would take s for a local path: not an
// rsync:// URL, and no colon before the first slash. ParseTarget still
// insists that a local target be absolute.
func IsLocal(s string) bool {
	if strings.HasPrefix(s, "rsync://") {
		return false
	}
	i := strings.IndexByte(s, ':')
	return i < 0 || strings.Contains(s[:i], "/")
}

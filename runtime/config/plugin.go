package config

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// BuiltinPlugins are the plugins the luasync binary serves itself
// (`luasync plugin serve NAME`); in the config each is a function of that
// name: plugins = { command{ ... }, socket{ ... }, cdn{ ... } }.
var BuiltinPlugins = []string{"command", "socket", "cdn"}

// Plugin is one entry of a sync's plugins = { ... }: a process luasync
// starts and feeds the sync's events over gRPC (package pluginhost), with
// a queue, workers, retries and fail log entries of its own.
type Plugin struct {
	// Kind is "command", "socket" or "cdn" for a built-in plugin, or
	// "plugin" for an executable of one's own (plugin{ path = ... }).
	Kind string
	// Name is name = ...: the plugin's name within its sync, in logs and
	// in the fail log, so it must stay the same across restarts and be
	// unique within the sync. Default: the kind, or the executable's base
	// name.
	Name string
	// Path and Args are plugin{ path = ..., args = { ... } }: the
	// executable (absolute) and its arguments.
	Path string
	Args []string
	// SHA256 is plugin{ sha256 = "hex" }: the executable must have this
	// checksum, or it is not started.
	SHA256 string
	// MTLS is plugin{ mtls = ... }: the connection uses go-plugin's
	// automatic mutual TLS (default true; a plugin that is not written in
	// Go may not support it).
	MTLS bool
	// After is after = "mirror": the plugin gets each change once a
	// target of the sync has applied it, not as soon as it is seen (a CDN
	// purge must come after the origin has the new file). "" for at once.
	After string
	// CallTimeout is callTimeout = ...: a call (one batch) that runs
	// longer means the plugin hangs: it is killed, restarted, and the
	// batch is sent again. 0: what the plugin says a call may take with
	// its config, but at least a minute.
	CallTimeout time.Duration
	// Config is the plugin's own keys, handed to its Configure: for a
	// built-in plugin every key but name and callTimeout, for plugin{} its
	// config = { ... } table. JSON-like values: string, float64, bool,
	// []any, map[string]any.
	Config map[string]any
	Pos    Pos
	// KeyPos is where each key of the constructor's table is set.
	KeyPos map[string]Pos
	// ConfigPos is where each of Config's keys is set ("prefix",
	// "headers.Host"), so that a mistake the plugin reports names its line.
	ConfigPos map[string]Pos
}

// Table is how the config spells p's constructor, for messages: "cdn{}".
func (p *Plugin) Table() string { return p.Kind + "{}" }

// ErrorAt is a mistake the plugin reported in its config (key, as the
// plugin names it: "headers.Host"), placed at the key's line.
func (p *Plugin) ErrorAt(key, msg string) *Error {
	pos, ok := p.ConfigPos[key]
	for k := key; !ok && k != ""; {
		k = parentKey(k)
		pos, ok = p.ConfigPos[k]
	}
	if !ok {
		pos = p.Pos
	}
	shown := key
	if p.Kind == "plugin" && key != "" {
		shown = "config." + key
	}
	return &Error{Pos: pos, Table: fmt.Sprintf("%s (plugin %s)", p.Table(), p.Name), Key: shown, Msg: msg}
}

// parentKey is "a" for "a.b" or "a[2]", "" for "a".
func parentKey(k string) string {
	for i := len(k) - 1; i >= 0; i-- {
		if k[i] == '.' || k[i] == '[' {
			return k[:i]
		}
	}
	return ""
}

// validatePlugins checks what can be checked without starting a plugin:
// unique names, and an executable that exists. What a plugin's own keys
// mean is its business: `luasync check` and the start ask it (Configure).
func validatePlugins(p *problems, s *Sync) {
	seen := map[string]bool{}
	for i := range s.Plugins {
		pl := &s.Plugins[i]
		at := func(key, format string, args ...any) {
			p.errs = append(p.errs, &Error{Pos: pl.keyPos(key), Table: pl.Table(), Key: key, Msg: fmt.Sprintf(format, args...)})
		}
		if seen[pl.Name] {
			at("name", "%q: another plugin of this sync has that name; give each its own (name = ...): the fail log tells them apart by it", pl.Name)
		}
		seen[pl.Name] = true
		if pl.CallTimeout < 0 {
			at("callTimeout", "%v: must be positive", pl.CallTimeout)
		}
		if pl.Kind == "plugin" {
			validatePluginPath(at, pl)
		}
		switch {
		case pl.After == "" || (pl.After == "mirror" && s.Kind != "" && s.Kind != "action"):
		case pl.After == "mirror":
			at("after", `"mirror": this sync has no mirror (no default.direct, default.rsync or default.rsyncssh) to come after`)
		default:
			at("after", `%q: want "mirror" (after a target has applied the change), or leave it out (at once)`, pl.After)
		}
	}
}

func validatePluginPath(at func(key, format string, args ...any), pl *Plugin) {
	if pl.Path == "" {
		at("path", `missing: the plugin's executable, e.g. plugin{ path = "/usr/local/bin/my-plugin" }`)
		return
	}
	fi, err := os.Stat(pl.Path)
	switch {
	case err != nil:
		at("path", "%s: %v", pl.Path, unwrapPathError(err))
	case fi.IsDir():
		at("path", "%s is a directory, not an executable", pl.Path)
	case fi.Mode()&0o111 == 0:
		at("path", "%s is not executable (chmod +x it)", pl.Path)
	}
	if pl.SHA256 != "" && !validSHA256(pl.SHA256) {
		at("sha256", "%q is not a SHA-256 checksum (64 hex digits, as sha256sum prints it)", pl.SHA256)
	}
}

// keyPos is where key of the constructor's table is set, or the
// constructor's position.
func (p *Plugin) keyPos(key string) Pos {
	if pos, ok := p.KeyPos[key]; ok {
		return pos
	}
	return p.Pos
}

func validSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

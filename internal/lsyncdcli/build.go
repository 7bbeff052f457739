package lsyncdcli

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"

	"github.com/luasync/luasync/runtime/config"
	"github.com/luasync/luasync/runtime/rsync"
)

// Build makes the config of a config-less command line: one sync per
// -rsync, -rsyncssh or -direct, as sync{ default.KIND, source = SRC,
// target = TARGET } would make it, with luasync's defaults. Paths are data
// here, never Lua text. Relative local paths are taken from the working
// directory, as lsyncd takes them. The fail log of such a command line
// lives in the state directory (see FailLogDir), named after its syncs, so
// the same command line finds its own fail log again after a restart.
// Call Apply on the result, then Validate.
func (o *Options) Build() (*config.Config, error) {
	cfg := &config.Config{File: "command line", Settings: config.Defaults()}
	for i, cs := range o.Syncs {
		s := config.Sync{Index: i, Kind: cs.Kind, Pos: config.Pos{File: "-" + cs.Kind + " " + cs.Source}}
		s.ApplyDefaults(cfg.Settings)
		src, err := abs(cs.Source)
		if err != nil {
			return nil, err
		}
		s.Source = src
		switch cs.Kind {
		case "rsyncssh":
			s.Host, s.TargetDir = cs.Host, cs.Target
			s.SSH.Extra = o.SSHOpts
		case "direct":
			s.Target, err = abs(cs.Target)
		default:
			s.Target = cs.Target
			if rsync.IsLocal(cs.Target) {
				s.Target, err = abs(cs.Target)
			}
		}
		if err != nil {
			return nil, err
		}
		cfg.Syncs = append(cfg.Syncs, s)
	}
	dir, err := FailLogDir()
	if err != nil {
		return nil, err
	}
	cfg.Settings.FailLog = filepath.Join(dir, "lsyncd-"+syncsID(cfg)+".fail.log")
	return cfg, nil
}

// syncsID names a command line's syncs: the same syncs, the same name.
func syncsID(cfg *config.Config) string {
	h := sha256.New()
	for _, s := range cfg.Syncs {
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%s\x00", s.Kind, s.Source, s.Target, s.Host, s.TargetDir)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// FailLogDir is where the fail logs of config-less command lines go:
// $XDG_STATE_HOME/luasync, else ~/.local/state/luasync.
func FailLogDir() (string, error) {
	if d := os.Getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "luasync"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find a directory for the fail log: %w (set XDG_STATE_HOME)", err)
	}
	return filepath.Join(home, ".local", "state", "luasync"), nil
}

func abs(p string) (string, error) {
	a, err := filepath.Abs(p)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", p, err)
	}
	return a, nil
}

// Apply lays the options over cfg, as lsyncd lets its command line
// override settings{}: -nodaemon, -logfile, -pidfile, -insist and -onepass
// set their settings, -delay every sync's delay, and -log the log level
// (the last of all, scarce or a category wins; luasync has no categories,
// so a category logs everything at debug level). lsyncd's insist is off
// unless the config or -insist turns it on. Relative -logfile and -pidfile
// paths are taken from the working directory.
func (o *Options) Apply(cfg *config.Config) error {
	s := &cfg.Settings
	s.NoDaemon = s.NoDaemon || o.NoDaemon
	s.OnePass = s.OnePass || o.OnePass
	if o.Insist || s.Insist == nil {
		insist := o.Insist
		s.Insist = &insist
	}
	for _, p := range []struct{ from, to *string }{{&o.LogFile, &s.LogFile}, {&o.PidFile, &s.PidFile}} {
		if *p.from == "" {
			continue
		}
		a, err := abs(*p.from)
		if err != nil {
			return err
		}
		*p.to = a
	}
	for _, l := range o.Log {
		s.LogLevel = "debug"
		if l == "scarce" {
			s.LogLevel = "warn"
		}
	}
	if o.HasDelay {
		for i := range cfg.Syncs {
			c := &cfg.Syncs[i]
			c.Delay = o.Delay
			c.MaxWait = max(c.MaxWait, o.Delay)
		}
	}
	return nil
}

package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/luasync/luasync/runtime/nesting"
)

// knownKinds are the sync kinds, as default.<kind> names them.
var knownKinds = []string{"direct", "rsync", "rsyncssh", "action"}

var inotifyModes = []string{string(CloseWrite), string(Modify), string(CloseWriteOrModify)}

var logLevels = []string{"debug", "info", "warn", "error"}

// Validate checks everything that can be known before anything runs: kinds,
// that each source is an existing directory, targets that would make a sync
// feed itself, duplicate names and targets, and every number and pattern.
//
// Every problem is reported, so an operator fixes a config in one pass: a
// single problem is returned as an *Error, several are joined with
// errors.Join (each one an *Error; errors.As finds the first).
func (c *Config) Validate() error {
	errs := c.validateSettings()
	if len(c.Syncs) == 0 {
		errs = append(errs, &Error{
			Pos: Pos{File: c.File},
			Msg: `no sync{} found: add one, e.g. sync{ default.direct, source = "/srv/www", target = "/mnt/mirror" }`,
		})
	}
	errs = append(errs, c.validateTunnels()...)
	for i := range c.Syncs {
		errs = append(errs, c.validateSync(&c.Syncs[i])...)
	}
	errs = append(errs, c.validateAcross()...)
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	return errors.Join(errs...)
}

// problems collects the errors of one table.
type problems struct {
	pos   Pos
	keys  map[string]Pos // where each key was set, when known
	table string
	errs  []error
}

func (p *problems) add(key, format string, args ...any) {
	pos := p.pos
	if at, ok := p.keys[key]; ok && key != "" && at.Line > 0 {
		pos = at
	}
	p.errs = append(p.errs, &Error{Pos: pos, Table: p.table, Key: key, Msg: fmt.Sprintf(format, args...)})
}

func (c *Config) posOr(pos Pos) Pos {
	if pos.File == "" {
		pos.File = c.File
	}
	return pos
}

func (c *Config) validateSettings() []error {
	s := &c.Settings
	p := &problems{pos: c.posOr(s.Pos), table: "settings{}"}
	if !slices.Contains(inotifyModes, string(s.InotifyMode)) {
		p.add("inotifyMode", "%q is not one of %q%s", s.InotifyMode, inotifyModes, didYouMean(string(s.InotifyMode), inotifyModes))
	}
	if !slices.Contains(logLevels, s.LogLevel) {
		p.add("logLevel", "%q is not one of %q%s", s.LogLevel, logLevels, didYouMean(s.LogLevel, logLevels))
	}
	if s.MaxProcesses < 1 {
		p.add("maxProcesses", "%d: must be at least 1", s.MaxProcesses)
	}
	if s.MaxDelays < 0 {
		p.add("maxDelays", "%d: must not be negative (0 turns it off)", s.MaxDelays)
	}
	if s.StatusInterval < 0 || (s.StatusInterval == 0 && s.StatusFile != "") {
		p.add("statusInterval", "%v: must be positive", s.StatusInterval)
	}
	if s.ShutdownGrace < 0 {
		p.add("shutdownGrace", "%v: must not be negative", s.ShutdownGrace)
	}
	return p.errs
}

func (c *Config) validateSync(s *Sync) []error {
	p := &problems{pos: c.posOr(s.Pos), keys: s.KeyPos, table: "sync{}"}
	if s.Kind != "" || len(s.Plugins) == 0 {
		validateKind(p, s.Kind)
	}
	if s.Name == "" {
		p.add("name", "must not be empty")
	}
	sourceOK := validateSource(p, s.Source)
	switch s.Kind {
	case "direct":
		if validateLocalTarget(p, s.Target) && sourceOK {
			validateNesting(p, s.Source, s.Target)
		}
	case "rsync", "rsyncssh":
		validateRsync(p, s, sourceOK)
	}
	if s.Actions && s.Kind != "action" && len(s.RsyncTargets()) > 1 {
		p.add("action", "a mirror with an action function of its own takes one target (it hands each event list to that target); make one sync per target")
	}
	validateSyncTunnel(p, s)
	validatePlugins(p, s)
	validateTunables(p, s)
	validatePatterns(p, s)
	return p.errs
}

func validateKind(p *problems, kind string) {
	switch {
	case kind == "":
		p.add("", "no sync kind: start the table with default.direct, default.rsync or default.rsyncssh, e.g. sync{ default.direct, source = ..., target = ... }, or give it actions (onCreate = ..., action = function(inlet) ... end) or plugins (plugins = { command{ ... } })")
	case slices.Contains(knownKinds, kind):
	default:
		p.add("", "unknown sync kind %q%s", kind, didYouMean(kind, knownKinds))
	}
}

// validateSource reports whether source is an existing directory.
func validateSource(p *problems, source string) bool {
	switch {
	case source == "":
		p.add("source", `missing: say which directory to watch, e.g. source = "/srv/www"`)
		return false
	case !filepath.IsAbs(source):
		p.add("source", "%q is not an absolute path", source)
		return false
	}
	fi, err := os.Stat(source)
	switch {
	case errors.Is(err, os.ErrNotExist):
		p.add("source", "%s does not exist", source)
	case err != nil:
		p.add("source", "%v", err)
	case !fi.IsDir():
		p.add("source", "%s is not a directory", source)
	default:
		return true
	}
	return false
}

// validateLocalTarget reports whether target is an absolute path that is a
// directory or does not exist yet (the direct sink creates it).
func validateLocalTarget(p *problems, target string) bool {
	switch {
	case target == "":
		p.add("target", `missing: say where to mirror to, e.g. target = "/mnt/mirror"`)
		return false
	case !filepath.IsAbs(target):
		p.add("target", "%q is not an absolute path", target)
		return false
	}
	fi, err := os.Stat(target)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		p.add("target", "%v", err)
		return false
	case !fi.IsDir():
		p.add("target", "%s exists and is not a directory", target)
		return false
	}
	return true
}

// validateNesting rejects a local target that is, holds, or lies inside the
// source, comparing paths with symlinks resolved.
func validateNesting(p *problems, source, target string) {
	switch nesting.Of(source, target) {
	case nesting.Same:
		p.add("target", "%s is the source directory itself", target)
	case nesting.TargetInSource:
		p.add("target", "%s is inside source %s: every copy would be seen as a new change and copied again, forever", target, source)
	case nesting.SourceInTarget:
		p.add("target", "source %s is inside target %s: mirroring would write into, and delete from, the source itself", source, target)
	}
}

func validateTunables(p *problems, s *Sync) {
	if s.Delay < 0 {
		p.add("delay", "%v: must not be negative", s.Delay)
	}
	if s.BatchInterval < 0 {
		p.add("batchInterval", "%v: must not be negative (0 takes a batch whenever a worker is free)", s.BatchInterval)
	}
	if s.MaxWait < 0 {
		p.add("maxWait", "%v: must not be negative", s.MaxWait)
	} else if s.MaxWait < s.Delay {
		p.add("maxWait", "%v is shorter than delay %v, so events would go out before they settle; make maxWait at least delay", s.MaxWait, s.Delay)
	}
	if s.Workers < 1 {
		p.add("workers", "%d: must be at least 1", s.Workers)
	}
	if s.BatchFiles < 1 {
		p.add("batchFiles", "%d: must be at least 1", s.BatchFiles)
	}
	if s.BatchBytes < 1 {
		p.add("batchBytes", "%d: must be at least 1", s.BatchBytes)
	}
	if s.BatchSizeLimit < 0 {
		p.add("batchSizeLimit", "%d: must not be negative (0 turns it off)", s.BatchSizeLimit)
	}
	if s.MaxDelays < 0 {
		p.add("maxDelays", "%d: must not be negative (0 turns it off)", s.MaxDelays)
	}
	r := s.Retry
	switch {
	case r.Attempts < 0:
		p.add("retry", "attempts %d: must not be negative (0 sends failures straight to the fail log)", r.Attempts)
	case r.Attempts > 0 && r.Initial <= 0:
		p.add("retry", "initial %v: must be positive", r.Initial)
	case r.Attempts > 0 && r.Max < r.Initial:
		p.add("retry", "max %v is shorter than initial %v", r.Max, r.Initial)
	}
}

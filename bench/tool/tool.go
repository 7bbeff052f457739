package tool

import (
	"fmt"
	"path/filepath"
	"strings"
)

// The tools, by the names the -tools flag and the report use.
const (
	Luasync       = "luasync"
	LsyncdDefault = "lsyncd-default"
	LsyncdTuned   = "lsyncd-tuned"
	ShellLoop     = "shell-loop"
)

// All lists every tool in report order: luasync first, then the anchors.
var All = []string{Luasync, LsyncdDefault, LsyncdTuned, ShellLoop}

// IsAnchor reports whether name is a reference luasync is compared to.
func IsAnchor(name string) bool { return name != Luasync }

// The sinks luasync can be benchmarked with. SinkDirect writes into the
// module's directory in pure Go; it stands in until default.rsync builds.
const (
	SinkRsync  = "rsync"
	SinkDirect = "direct"
)

// The tuned lsyncd config: the same settle time luasync uses by default and
// as many processes as the tuned guides suggest for a small box.
const (
	tunedDelay        = "0.1"
	tunedMaxProcesses = 4
)

// Bins are the executables the tools are made of.
type Bins struct {
	Luasync     string // built once per benchmark run
	Lsyncd      string
	InotifyWait string
	Bash        string
}

// Env is everything a tool needs to mirror one scenario's source.
type Env struct {
	Source       string // absolute source directory
	TargetURL    string // rsync://bench@127.0.0.1:PORT/mod/
	TargetDir    string // the module's directory (luasync's direct sink writes here)
	PasswordFile string // the rsync client's password file, mode 0600
	Rsync        string // the counting wrapper every tool runs as "rsync"
	Dir          string // this run's private directory: configs and logs
	Bins         Bins
	LuasyncSink  string // SinkRsync or SinkDirect
}

// Launch is how to start one tool for one run.
type Launch struct {
	Argv []string
	// Files are written (path -> content) before the tool starts.
	Files map[string]string
	// StartupSync: the tool copies the whole tree when it starts (lsyncd's
	// and luasync's init). The seed's shell loop has none, so a start-up
	// scenario cannot converge for it.
	StartupSync bool
	// StartupRsync: that copy is an rsync run, so the harness waits for at
	// least one before it calls the tool ready.
	StartupRsync bool
	// GroupStop: stop by signalling the whole process group. bash has no
	// SIGTERM handler that would stop its pipeline, so the loop's
	// inotifywait and rsync are signalled directly.
	GroupStop bool
}

// Plan returns how to start the named tool in env.
func Plan(name string, env Env) (Launch, error) {
	switch name {
	case Luasync:
		cfg := filepath.Join(env.Dir, "luasync.lua")
		return Launch{
			Argv:         []string{env.Bins.Luasync, "run", cfg},
			Files:        map[string]string{cfg: LuasyncConfig(env)},
			StartupSync:  true,
			StartupRsync: env.LuasyncSink == SinkRsync,
		}, nil
	case LsyncdDefault, LsyncdTuned:
		cfg := filepath.Join(env.Dir, "lsyncd.lua")
		return Launch{
			Argv:         []string{env.Bins.Lsyncd, "-nodaemon", cfg},
			Files:        map[string]string{cfg: LsyncdConfig(env, name == LsyncdTuned)},
			StartupSync:  true,
			StartupRsync: true,
		}, nil
	case ShellLoop:
		return Launch{Argv: []string{env.Bins.Bash, "-c", ShellLoopScript(env)}, GroupStop: true}, nil
	}
	return Launch{}, fmt.Errorf("unknown tool %q; want one of %s", name, strings.Join(All, ", "))
}

// LsyncdConfig renders lsyncd 2.2.3's config. The default one sets only
// what syncing to the benchmark's daemon needs, so delay (15 s),
// maxProcesses (1) and maxDelays stay lsyncd's defaults; tuned adds a short
// delay and more processes.
func LsyncdConfig(env Env, tuned bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "settings {\n    logfile = %s,\n    nodaemon = true,\n}\n\n", LuaQuote(filepath.Join(env.Dir, "lsyncd.log")))
	fmt.Fprintf(&b, "sync {\n    default.rsync,\n    source = %s,\n    target = %s,\n", LuaQuote(env.Source), LuaQuote(env.TargetURL))
	if tuned {
		fmt.Fprintf(&b, "    delay = %s,\n    maxProcesses = %d,\n", tunedDelay, tunedMaxProcesses)
	}
	fmt.Fprintf(&b, "    rsync = {\n        binary = %s,\n        password_file = %s,\n        archive = true,\n    },\n}\n",
		LuaQuote(env.Rsync), LuaQuote(env.PasswordFile))
	return b.String()
}

// LuasyncConfig renders luasync's config with its defaults (delay, workers,
// batching): what an operator gets from the README's example.
func LuasyncConfig(env Env) string {
	var b strings.Builder
	fmt.Fprintf(&b, "settings {\n    logfile = %s,\n    failLog = %s,\n}\n\n",
		LuaQuote(filepath.Join(env.Dir, "luasync.log")), LuaQuote(filepath.Join(env.Dir, "luasync.fail.log")))
	if env.LuasyncSink == SinkDirect {
		fmt.Fprintf(&b, "sync {\n    default.direct,\n    source = %s,\n    target = %s,\n}\n", LuaQuote(env.Source), LuaQuote(env.TargetDir))
		return b.String()
	}
	fmt.Fprintf(&b, "sync {\n    default.rsync,\n    source = %s,\n    target = %s,\n", LuaQuote(env.Source), LuaQuote(env.TargetURL))
	fmt.Fprintf(&b, "    rsync = {\n        password_file = %s,\n        archive = true,\n    },\n}\n", LuaQuote(env.PasswordFile))
	return b.String()
}

// ShellLoopScript is the seed articles' loop, pointed at the benchmark's
// daemon: every event line starts one whole-tree rsync.
func ShellLoopScript(env Env) string {
	src := strings.TrimSuffix(env.Source, "/")
	return fmt.Sprintf("%s -mrq --format '%%w%%f' -e moved_to,delete,create,close_write %s | "+
		"while read line; do rsync -az --delete --password-file=%s %s %s; done",
		ShQuote(env.Bins.InotifyWait), ShQuote(src), ShQuote(env.PasswordFile), ShQuote(src+"/"), ShQuote(env.TargetURL))
}

// WrapperScript is the `rsync` every tool runs: it appends one line to
// counter and becomes the real rsync, so the count is the number of rsync
// processes the tool started and the real one's exit status and signals
// pass through untouched.
func WrapperScript(realRsync, counter string) string {
	return fmt.Sprintf("#!/bin/sh\n# Counts rsync runs for the luasync sync benchmark.\necho run >> %s\nexec %s \"$@\"\n",
		ShQuote(counter), ShQuote(realRsync))
}

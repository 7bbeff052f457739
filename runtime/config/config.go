package config

import "time"

// Config is one evaluated configuration file.
type Config struct {
	File     string // the config file's path, for messages
	Settings Settings
	Syncs    []Sync
	// Tunnels are every tunnel{} the config made, in order; a Sync points
	// at the one it uses.
	Tunnels []*Tunnel
}

// InotifyMode selects which kernel event means "content changed".
type InotifyMode string

// The modes, spelled as lsyncd spells them.
const (
	CloseWrite         InotifyMode = "CloseWrite"
	Modify             InotifyMode = "Modify"
	CloseWriteOrModify InotifyMode = "CloseWrite or Modify"
)

// Settings is lsyncd's settings{} table.
type Settings struct {
	LogFile        string        // "" logs to stderr
	LogLevel       string        // debug, info, warn, error
	StatusFile     string        // "" for none
	StatusInterval time.Duration // how often StatusFile is rewritten
	NoDaemon       bool          // accepted for lsyncd compatibility; luasync always runs in the foreground
	InotifyMode    InotifyMode
	MaxProcesses   int    // default workers per sink when a sync does not set its own
	MaxDelays      int    // lsyncd's maxDelays: a sink takes a batch at once when this many events are pending (0: off)
	FailLog        string // fail log path; "" picks a default next to the state dir
	// ShutdownGrace is how long SIGTERM waits for sinks to drain what is
	// pending before the rest is written to the fail log.
	ShutdownGrace time.Duration
	// PidFile is lsyncd's pidfile: written with luasync's PID at start,
	// locked (flock) while it runs, so a second luasync with the same
	// pidfile does not start, and removed at exit. "" for none.
	PidFile string
	// LogFacility and LogIdent are lsyncd's syslog settings: either one
	// sends the log to syslog too, with that facility (a key of
	// SyslogFacilities; "" is "user") and tag ("" is the program's name).
	LogFacility string
	LogIdent    string
	// Insist is lsyncd's insist: a startup full sync that fails
	// transiently (the target is unreachable) is retried with backoff
	// instead of ending the process. nil leaves it to the command: run
	// retries, a one-shot sync (sync, onepass) reports the failure, and
	// lsyncd's command line ends as lsyncd does.
	Insist *bool
	// OnePass is lsyncd's onepass: run the startup full sync of every
	// target, then exit (0 when every one succeeded) instead of watching.
	OnePass bool
	Pos     Pos // where settings{} was called
}

// SyslogFacilities are the facility names logfacility takes (as glibc
// spells them, the ones lsyncd accepts) and their codes, as log/syslog
// numbers them.
var SyslogFacilities = map[string]int{
	"kern": 0, "user": 1, "mail": 2, "daemon": 3, "auth": 4, "syslog": 5, "lpr": 6, "news": 7,
	"uucp": 8, "cron": 9, "authpriv": 10, "ftp": 11, "security": 4,
	"local0": 16, "local1": 17, "local2": 18, "local3": 19,
	"local4": 20, "local5": 21, "local6": 22, "local7": 23,
}

// Sync is one sync{} table: one source, its filters, and one or more sinks.
type Sync struct {
	Name string // sync{ name = ... }, or "sync#N" by position
	// Kind is "direct", "rsync" or "rsyncssh" (default.direct, ...),
	// "action" (lsyncd's layers 1-3: Lua actions run it), or "" for a
	// sync that only feeds plugins.
	Kind string
	// Actions: events go through the sync's Lua actions (kind "action",
	// or a mirror kind with an action, init, collect or full function of
	// its own, which hands events back to the mirror).
	Actions bool
	Source  string // absolute, cleaned
	// Target is target = ...: for direct, an absolute, cleaned directory;
	// for rsync, as rsync takes a destination ("host::module/path",
	// "rsync://user@host:port/module", "user@host:/path", or a local
	// directory, made absolute and cleaned). RsyncTargets lists every
	// target of a sync.
	Target string
	// Targets is luasync's targets = { ... } for default.rsync: more
	// targets in the same syntax as Target, each with its own sink, queue
	// and workers, so a slow or dead one never holds back the others.
	Targets []string
	// Host and TargetDir are default.rsyncssh's host = "[user@]host" and
	// targetdir = "/path" (relative paths are below the login's home).
	Host      string
	TargetDir string
	// Rsync is the rsync = { ... } table of default.rsync and
	// default.rsyncssh.
	Rsync RsyncConfig
	// SSH is the ssh = { ... } table: the remote shell for ssh targets
	// (default.rsyncssh, and default.rsync targets written host:path).
	SSH SSHConfig
	// Exclude holds lsyncd-style patterns; ExcludeFrom names a file of them.
	Exclude     []string
	ExcludeFrom string
	// FilterRules is lsyncd 2.2.3's filter = { "+ pat", "- pat" } list,
	// first match wins.
	FilterRules []string
	// FilterFrom names a file of such rules, one a line (lsyncd's
	// filterFrom); they follow FilterRules.
	FilterFrom string
	// FilterFunc is true when filter = function(event) ... end; the
	// function itself stays inside package luavm, found by Index.
	FilterFunc bool
	// Junk overrides the default junk patterns when non-nil (an empty,
	// non-nil slice turns junk filtering off).
	Junk []string

	Delay         time.Duration // settle time before an event is ready
	MaxWait       time.Duration // an event is ready after this long even if it keeps changing
	BatchInterval time.Duration // the shortest time between two batches that are not full
	Init          bool          // run a full sync at startup
	// Delete propagates deletes while running: Delete events, moves, and
	// the rescans of subtrees. FullDelete lets full syncs (at startup,
	// after a queue overflow, luasync sync, recovery) delete what the
	// source no longer has. lsyncd's delete = true sets both, false
	// neither, "running" only Delete and "startup" only FullDelete.
	Delete     bool
	FullDelete bool
	Workers    int   // batches applied at once
	BatchFiles int   // most events in one batch
	BatchBytes int64 // most bytes (known sizes) in one batch
	// BatchSizeLimit is lsyncd's batchSizeLimit: a file whose known size
	// is over it is sent in a batch of its own, beside the others
	// (0: off).
	BatchSizeLimit int64
	// MaxDelays is lsyncd's maxDelays for this sync: a sink takes a batch
	// at once, without waiting for Delay or BatchInterval, when this many
	// events are pending (0: off). It defaults to settings.maxDelays.
	MaxDelays int
	Retry     Retry
	// RsyncExitCodes and SSHExitCodes are lsyncd's rsyncExitCodes and
	// sshExitCodes: what an exit status of an rsync run, or of the ssh run
	// that renames on an ssh target, means. A status they do not name
	// keeps its class in package rsync.
	RsyncExitCodes map[int]ExitAction
	SSHExitCodes   map[int]ExitAction
	// Tunnel is tunnel = tunnel{ ... }: the sync's batches wait while it is
	// not up, and its rsync targets' ^localhost and ^localport are filled
	// in per batch. nil: no tunnel. Syncs may share one.
	Tunnel *Tunnel
	// Plugins is plugins = { ... }: every plugin fed this sync's events,
	// each a sink of its own beside the sync's mirror (a sync with plugins
	// alone has no kind and mirrors nothing).
	Plugins []Plugin

	// Crontab is lsyncd 2.3's crontab = { ... }: a full sync of every
	// target whenever one of these specs says (six fields, seconds first,
	// "0 0 3 * * *" for 03:00 every day; the soonest entry decides).
	Crontab []string
	// FullSync is luasync's fullsync = { ... }, nil when not set.
	FullSync *FullSync

	Index int // position among the config's syncs, 0-based
	Pos   Pos // where sync{} was called
	// KeyPos is where each key of the sync{} was set (its own line, in
	// the sync{} table or in a layer), for messages; a key missing here
	// is reported at Pos.
	KeyPos map[string]Pos
}

// FullSync is a sync's scheduled full sync: fullsync = { schedule = ...,
// exclude = { ... } }. Package luavm checks the schedule's syntax when it
// loads the config (package cron's Flexible form).
type FullSync struct {
	// Schedule is five fields, minute first ("0 3 * * *"), six with
	// seconds first, or a descriptor such as "@daily" or "@every 6h".
	Schedule string
	// Exclude holds patterns, as exclude = { ... } takes them, that this
	// run alone leaves out on top of the sync's own: what they match is
	// neither copied nor deleted by it. Live changes there still ship.
	Exclude []string
}

// Retry is the backoff for events a sink reports as Retry.
type Retry struct {
	Attempts int           // attempts before an event goes to the fail log
	Initial  time.Duration // first backoff
	Max      time.Duration // backoff cap
}

// Pos is a position in a config file.
type Pos struct {
	File string
	Line int
}

// ExitAction is what an exit status means, in lsyncd's words.
type ExitAction string

// The exit actions of lsyncd's exit code tables.
const (
	// ExitOK: the run did its job.
	ExitOK ExitAction = "ok"
	// ExitAgain: retry the events, with backoff.
	ExitAgain ExitAction = "again"
	// ExitDie: the target stops: what it has pending, and every later
	// event for it, goes to the fail log until luasync restarts. Other
	// targets and syncs go on.
	ExitDie ExitAction = "die"
)

// DeleteMode is lsyncd's delete value that Delete and FullDelete stand
// for: "true", "false", "running" or "startup".
func (s *Sync) DeleteMode() string {
	switch {
	case s.Delete && s.FullDelete:
		return "true"
	case s.Delete:
		return "running"
	case s.FullDelete:
		return "startup"
	}
	return "false"
}

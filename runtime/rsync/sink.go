package rsync

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Options configure a Sink. config.RsyncConfig and config.SSHConfig map
// onto them field by field.
type Options struct {
	// Source is the absolute source directory.
	Source string
	// Target is where to send to (see ParseTarget).
	Target Target
	// Binary is the rsync to run: a name looked up in PATH, or a path.
	// "" means "rsync". It must be MinVersion or newer.
	Binary string
	// Args are the flags of lsyncd's rsync = { ... } table, rendered
	// (--archive, --compress, ..., then _extra). nil means DefaultArgs.
	// Flags that luasync sets itself are refused (see CheckArgs).
	Args []string
	// Port is the port for a Target that names none: the daemon's port
	// for a Daemon target, ssh's for an SSH one. 0 keeps the default.
	Port int
	// PasswordFile is the daemon password file (--password-file), used
	// for Daemon targets and ignored for others (a sync{} may mix them).
	// Refused when group or others may read it.
	PasswordFile string
	// Timeout is rsync's --timeout (I/O silence) and, for a daemon,
	// --contimeout; for ssh it becomes ConnectTimeout and keep-alives.
	// 0 waits forever, as rsync does.
	Timeout time.Duration
	// Delete propagates deletes while running: Delete events and moves
	// remove paths on the target, and the Rescan of a subtree deletes
	// what the source no longer has there. FullDelete is the same for a
	// full sync, the Rescan of the whole tree (lsyncd's delete =
	// "startup" sets only FullDelete, "running" only Delete).
	Delete     bool
	FullDelete bool
	// ExitCodes override the class of rsync's exit statuses (lsyncd's
	// rsyncExitCodes: "ok" is OK, "again" Retry, "die" Stop); a status it
	// does not name keeps ExitClass. SSHExitCodes do the same for the ssh
	// run that renames on an SSH target (sshExitCodes), whose own reading
	// is: 255 (ssh failed) retries the batch, anything else is read for
	// the renames it reports done. ExitCodesFrom and SSHExitCodesFrom say
	// where the config set them ("cfg.lua:12"), for messages.
	ExitCodes, SSHExitCodes         map[int]Class
	ExitCodesFrom, SSHExitCodesFrom string
	// Excludes are the sync's static patterns in rsync syntax ("*.tmp",
	// "/cache/", or with a "- " or "+ " prefix; filter.Patterns() gives
	// them), applied by rsync to every run: they keep excluded files out
	// of a Rescan, and keep it from deleting excluded files on the target.
	Excludes []string
	// Keep is the sync's whole filter (static patterns, regexes, the Lua
	// function), for a path and every directory above it: a new directory
	// is sent with what Keep keeps below it, and a move from or to a
	// dropped path is a copy or a delete. Live events reach the sink
	// already filtered the same way (package daemon). Set it
	// whenever Excludes is set: rsync applies Excludes to each listed name
	// only, not to the names' parent directories (verified: with "- cache/",
	// a listed "x/cache/f" is sent). nil keeps everything.
	Keep func(rel string, isDir bool) bool
	// WalkForKeep makes a Rescan walk the subtree and exclude, path by
	// path, what Keep drops. Set it when Keep drops paths Excludes cannot
	// describe (a Lua filter function, regex excludes); otherwise Excludes,
	// which rsync applies itself, keep a full sync right, and the walk only
	// costs time (and one rsync rule per dropped path).
	WalkForKeep bool
	// Writing, when set, reports files still being written (created by
	// open(2), not closed yet: watch.Watcher.Writing). A new directory's
	// listing leaves them out; their own events send them once closed,
	// instead of a part now and the whole again, by delta, later.
	Writing func(rel string) bool
	// SSH builds the remote shell for SSH targets (ignored for others).
	// The login and host are Target.User and Target.Host.
	SSH SSHOptions
	// Rsh is a whole remote-shell command as rsync's -e takes it ("ssh -p
	// 2222 -i '/k/id'"). When set it is the remote shell for SSH targets,
	// for rsync and for the move script alike, and SSH and the port must
	// be empty. Ignored for other targets.
	Rsh string
	// Tunnel, when set, gives each batch its target: Target with the host
	// and port of one of a tunnel's ready processes (lsyncd 2.3's
	// tunnel{}; package daemon adapts package tunnel to this). Target is
	// then the target with a stand-in port, for the checks New makes and
	// the flags every run shares, and Tunnel.String() names the sink.
	Tunnel Tunnel
	// Logger receives run failures (warn, error) and each run (debug).
	// nil means slog.Default().
	Logger *slog.Logger
}

// Tunnel hands out the target of each batch (see Options.Tunnel).
type Tunnel interface {
	// Target returns where the next batch goes, or false while the
	// tunnel has no ready process.
	Target() (Target, bool)
	// String is the target as written, placeholders and all.
	String() string
}

// errTunnelDown is a batch's fate when its tunnel went down between the
// pool's taking it and the sink's applying it.
var errTunnelDown = errors.New("the tunnel has no ready process")

// SSHOptions are lsyncd's ssh = { ... } table.
type SSHOptions struct {
	Binary       string   // "" means "ssh" from PATH
	Port         int      // 0 means Options.Port, then ssh's default
	IdentityFile string   // -i
	Options      []string // "Key=Value", each passed as -o
	Extra        []string // further arguments, verbatim (ssh._extra)
	// NoMultiplex turns off the shared connection (multiplex = false):
	// each run then connects and authenticates on its own.
	NoMultiplex bool
}

// DefaultArgs are the flags used when Options.Args is nil.
var DefaultArgs = []string{"--archive"}

// Sink sends batches of events to one target with rsync. Apply is safe for
// concurrent use on batches that share no path.
type Sink struct {
	opts   Options
	log    *slog.Logger
	source string // Source with a trailing slash
	dest   string // the destination argument, with a trailing slash; per batch with a Tunnel
	rsync  string // the rsync binary's path
	base   []string
	ssh    []string // remote shell argv for the move script, SSH only
	master *master  // the shared ssh connection, nil when not used
	runs   atomic.Uint64
	warm   warmSlot // a list run started ahead (Prepare)
}

// New checks opts against the machine (the binaries, the source, the
// password file, the identity file) and returns a Sink.
func New(opts Options) (*Sink, error) {
	s := &Sink{opts: opts, log: opts.Logger}
	if s.log == nil {
		s.log = slog.Default()
	}
	if opts.Args == nil {
		s.opts.Args = DefaultArgs
	}
	s.opts.Target = s.withPort(s.opts.Target)
	for _, check := range []func() error{s.checkSource, s.checkTarget, s.findRsync, s.checkPassword, s.setupSSH} {
		if err := check(); err != nil {
			return nil, fmt.Errorf("rsync sink %s: %w", s, err)
		}
	}
	if err := CheckArgs(s.opts.Args); err != nil {
		return nil, fmt.Errorf("rsync sink %s: %w", s, err)
	}
	s.source = filepath.Clean(opts.Source) + "/"
	s.dest = s.opts.Target.dest()
	s.base = s.baseArgs()
	return s, nil
}

// Close stops the sink's shared ssh connection, if it has one. Call it
// once no batch is running; a later batch would start a new one.
func (s *Sink) Close() error {
	s.master.close()
	return nil
}

// String names the sink in logs: the target, never a secret.
func (s *Sink) String() string {
	if s.opts.Tunnel != nil {
		return "rsync:" + s.opts.Tunnel.String()
	}
	return "rsync:" + s.opts.Target.String()
}

// Runs is how many rsync processes the sink has started.
func (s *Sink) Runs() uint64 { return s.runs.Load() }

// withPort gives t the configured port when it names none.
func (s *Sink) withPort(t Target) Target {
	if t.Port == 0 && t.Kind == Daemon {
		t.Port = s.opts.Port
	}
	if t.Kind == SSH && t.Port == 0 {
		t.Port = s.opts.SSH.Port
		if t.Port == 0 {
			t.Port = s.opts.Port
		}
	}
	return t
}

// batchDest is the destination argument for the next batch: the one
// target, or with a Tunnel the one of the run started ahead, if one waits
// (so a batch goes through one tunnel process, and the next batch through
// the next), else the next target the Tunnel hands out.
func (s *Sink) batchDest() (string, bool) {
	if s.opts.Tunnel == nil {
		return s.dest, true
	}
	if dest := s.warmDest(); dest != "" {
		return dest, true
	}
	return s.tunnelDest()
}

// tunnelDest is the destination argument of the next target the Tunnel
// hands out.
func (s *Sink) tunnelDest() (string, bool) {
	t, ok := s.opts.Tunnel.Target()
	if !ok {
		return "", false
	}
	return s.withPort(t).dest(), true
}

func (s *Sink) checkSource() error {
	src := s.opts.Source
	if !filepath.IsAbs(src) {
		return fmt.Errorf("source %q is not an absolute path", src)
	}
	fi, err := os.Stat(src)
	if err != nil {
		return fmt.Errorf("source: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("source %s is not a directory", src)
	}
	return nil
}

func (s *Sink) checkTarget() error {
	t := s.opts.Target
	if err := t.check(); err != nil {
		return err
	}
	if t.Kind != Local {
		return nil
	}
	if err := CheckDisjoint(s.opts.Source, t.Path); err != nil {
		return err
	}
	// As the direct sink does; a remote target's parent must exist, as
	// for rsync itself (or _extra = { "--mkpath" }, rsync 3.2.3 on both ends).
	if err := os.MkdirAll(t.Path, 0o755); err != nil {
		return fmt.Errorf("create target: %w", err)
	}
	return nil
}

func (s *Sink) checkPassword() error {
	if s.opts.PasswordFile == "" || s.opts.Target.Kind != Daemon {
		return nil
	}
	return CheckPasswordFile(s.opts.PasswordFile)
}

// baseArgs are the flags every run of the sink shares: the configured
// ones, then the transport's. Each run adds its own flags, its per-path
// excludes, and then the static filters (filterArgs), in that order, as
// rsync's first matching rule wins.
func (s *Sink) baseArgs() []string {
	args := append([]string(nil), s.opts.Args...)
	if !hasModifyWindow(args) {
		// rsync's quick check compares whole seconds by default, so a
		// file rewritten with the same size in the second of its last sync
		// would be skipped, and the mirror left stale for good.
		args = append(args, "--modify-window=-1")
	}
	t := s.opts.Target
	timeout := s.opts.Timeout
	if timeout == 0 && t.Kind == Local && !hasFlag(args, "--timeout") {
		// Both ends are local: a run silent this long is stuck, not slow
		// (rsync sends keep-alives while it works). One was seen stuck
		// for 42 s with 0.1 s of CPU in the torture test; rsync then
		// exits 30 and the batch is retried.
		timeout = localTimeout
	}
	if secs := timeoutSeconds(timeout); secs != "" {
		args = append(args, "--timeout="+secs)
		if t.Kind == Daemon {
			args = append(args, "--contimeout="+secs)
		}
	}
	switch t.Kind {
	case Daemon:
		if s.opts.PasswordFile != "" {
			args = append(args, "--password-file="+s.opts.PasswordFile)
		}
		// -s (--secluded-args): paths travel inside the protocol, so
		// neither a remote shell nor an older rsync's argument splitting
		// ever sees them.
		args = append(args, "-s")
		if !hasFlag(args, "--sockopts") {
			// Without TCP_NODELAY, Nagle's algorithm holds rsync's small
			// protocol messages until the peer's delayed ACK (40 ms on
			// Linux): measured on rsync 3.5.0 against a local daemon, a
			// one-file run takes 90-130 ms without it and under 10 ms with
			// it. A bulk transfer is not affected: a full sync of 100,000
			// files took the same time and client CPU either way.
			args = append(args, "--sockopts=TCP_NODELAY")
		}
	case SSH:
		args = append(args, "-s", "--rsh="+s.rshString())
	}
	return args
}

// hasModifyWindow reports whether the configured flags set rsync's
// --modify-window (-@) themselves.
func hasModifyWindow(args []string) bool {
	for _, a := range args {
		if strings.HasPrefix(a, "--modify-window") || (strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") && strings.Contains(a, "@")) {
			return true
		}
	}
	return false
}

// hasFlag reports whether the configured flags set the long option name
// themselves, as "--name" or "--name=value".
func hasFlag(args []string, name string) bool {
	for _, a := range args {
		if a == name || strings.HasPrefix(a, name+"=") {
			return true
		}
	}
	return false
}

// filterArgs are the static excludes as --filter rules, which rsync reads
// verbatim from argv: any byte but NUL survives.
func (s *Sink) filterArgs() []string {
	return filterRules(s.opts.Excludes)
}

// filterRules renders exclude patterns as --filter rules.
func filterRules(patterns []string) []string {
	out := make([]string, 0, len(patterns))
	for _, p := range patterns {
		if len(p) < 2 || (p[:2] != "- " && p[:2] != "+ ") {
			p = "- " + p
		}
		out = append(out, "--filter="+p)
	}
	return out
}

// localTimeout is --timeout for a local target when the config sets none.
const localTimeout = 15 * time.Second

// timeoutSeconds renders a timeout as rsync's whole seconds, rounded up so
// a sub-second timeout does not become 0 (no timeout).
func timeoutSeconds(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	return strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10)
}

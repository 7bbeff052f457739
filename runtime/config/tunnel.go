package config

import (
	"slices"
	"strings"
	"time"

	"github.com/luasync/luasync/runtime/rsync"
	"github.com/luasync/luasync/runtime/tunnel"
)

// Tunnel is lsyncd 2.3's tunnel{ ... }: processes luasync starts and
// supervises (usually ssh port forwards) that a sync's transfers go
// through. Its fields map one to one onto tunnel.Options fields of the
// same names. Several syncs may share one (the same pointer).
type Tunnel struct {
	Name     string   // name = ...; "tunnel#N" by position
	Mode     string   // "command" (one process, as written) or "pool"
	Command  []string // argv, never through a shell; ^localhost, ^localport (pool mode) filled in
	Parallel int      // pool mode: how many processes
	// RetryDelay is how long to wait before starting an exited process
	// again; ReadyDelay how long a process must run to be ready (or, with
	// CheckCommand, the time between its checks).
	RetryDelay time.Duration
	ReadyDelay time.Duration
	Localhost  string // what ^localhost stands for
	// CheckCommand, when set, decides when a process is ready: its exit
	// code is one of CheckExitCodes; more than CheckMaxFailed failures in
	// a row stop the process.
	CheckCommand   []string
	CheckExitCodes []int
	CheckMaxFailed int
	Distribution   string // lsyncd's distribution = "rr", the only one
	Pos            Pos    // where tunnel{} was called
}

// The tunnel modes.
const (
	TunnelCommand = string(tunnel.Command)
	TunnelPool    = string(tunnel.Pool)
)

var tunnelModes = []string{TunnelCommand, TunnelPool}

// DefaultTunnel is lsyncd 2.3's Tunnel.defaults.
func DefaultTunnel() Tunnel {
	return Tunnel{Mode: TunnelCommand, Parallel: 1, RetryDelay: 10 * time.Second, ReadyDelay: 5 * time.Second,
		Localhost: "localhost", CheckExitCodes: []int{0}, CheckMaxFailed: 5, Distribution: "rr"}
}

// StandIn is a target written for this tunnel with a placeholder
// endpoint filled in (^localport as port 1), so it parses as any target
// does: for checks before a tunnel process hands out its real port.
func (t *Tunnel) StandIn(target string) string {
	return tunnel.Expand(target, tunnel.Endpoint{Host: t.Localhost, Port: 1})
}

// validateTunnels checks every tunnel{} once, however many syncs use it.
func (c *Config) validateTunnels() []error {
	var errs []error
	for _, t := range c.Tunnels {
		p := &problems{pos: c.posOr(t.Pos), table: "tunnel{}"}
		t.validate(p)
		errs = append(errs, p.errs...)
	}
	return errs
}

func (t *Tunnel) validate(p *problems) {
	pool := t.Mode == TunnelPool
	if !slices.Contains(tunnelModes, t.Mode) {
		p.add("mode", "%q is not one of %q%s", t.Mode, tunnelModes, didYouMean(t.Mode, tunnelModes))
		pool = true // so the checks below do not refuse ^localport as well
	}
	if len(t.Command) == 0 {
		p.add("command", `missing: say what to run, e.g. command = { "ssh", "-N", "-L", "localhost:^localport:localhost:873", "user@host" }`)
	} else {
		validateArgv(p, "command", t.Command)
		usesPort := slices.ContainsFunc(t.Command, tunnel.HasPort)
		switch {
		case pool && !usesPort:
			p.add("command", "pool mode gives each process its own port: use ^localport in the command (-L localhost:^localport:localhost:873)")
		case !pool && usesPort:
			p.add("command", `^localport is given in pool mode only: set mode = "pool" (parallel = 1 for one process), or write the port`)
		}
	}
	switch {
	case t.Parallel < 1:
		p.add("parallel", "%d: must be at least 1", t.Parallel)
	case t.Parallel > 1 && !pool:
		p.add("parallel", `%d: command mode runs one process; set mode = "pool" for more`, t.Parallel)
	}
	if t.RetryDelay < 0 {
		p.add("retryDelay", "%v: must not be negative", t.RetryDelay)
	}
	if t.ReadyDelay < 0 {
		p.add("readyDelay", "%v: must not be negative", t.ReadyDelay)
	}
	if t.Localhost == "" || strings.ContainsAny(t.Localhost, "/@ :") {
		p.add("localhost", "%q: want a host name or an IPv4 address, such as localhost or 127.0.0.1", t.Localhost)
	}
	if len(t.CheckCommand) > 0 {
		validateArgv(p, "checkCommand", t.CheckCommand)
	}
	if i := slices.IndexFunc(t.CheckExitCodes, func(c int) bool { return c < 0 || c > 255 }); i >= 0 {
		p.add("checkExitCodes", "%d: an exit code is from 0 to 255", t.CheckExitCodes[i])
	}
	if t.CheckMaxFailed < 0 {
		p.add("checkMaxFailed", "%d: must not be negative", t.CheckMaxFailed)
	}
	if t.Distribution != "rr" {
		p.add("distribution", `%q: the only distribution is "rr" (round robin)`, t.Distribution)
	}
}

// validateArgv checks that a command's program exists.
func validateArgv(p *problems, key string, argv []string) {
	if argv[0] == "" {
		p.add(key, "the program (element #1) is empty")
		return
	}
	if _, err := rsync.FindBinary(argv[0], "give its path, or install it"); err != nil {
		p.add(key, "%v", err)
	}
}

// validateSyncTunnel checks a sync's targets against its tunnel: pool
// mode hands each transfer a port, so every target must name it, and only
// an rsync:// target can; a target that names it needs a tunnel that
// hands one out.
func validateSyncTunnel(p *problems, s *Sync) {
	t := s.Tunnel
	var targets []string
	switch s.Kind {
	case "rsync", "rsyncssh":
		targets = s.RsyncTargets()
	default:
		targets = []string{s.Target}
	}
	for i, raw := range targets {
		key := targetKey(s, i)
		switch {
		case t == nil && tunnel.HasPort(raw):
			p.add(key, "%q: ^localport is filled in by a tunnel: add tunnel = tunnel{ mode = \"pool\", ... } to this sync", raw)
		case t == nil:
		case t.Mode != TunnelPool && tunnel.HasPort(raw):
			p.add(key, "%q: ^localport is given in pool mode only: set the tunnel's mode = \"pool\", or write the port", raw)
		case t.Mode != TunnelPool:
		case s.Kind != "rsync":
			p.add("tunnel", "pool mode hands out ports that only default.rsync targets can use (rsync://host:^localport/module); use mode = \"command\" here")
			return
		case !tunnel.HasPort(raw):
			p.add(key, "%q: with a tunnel in pool mode, write the target as rsync://[user@]^localhost:^localport/module so each transfer uses its own tunnel process", raw)
		case !strings.HasPrefix(raw, "rsync://"):
			p.add(key, "%q: only an rsync:// target can name the port (rsync://[user@]^localhost:^localport/module)", raw)
		}
	}
}

// parseTarget parses one of a sync's rsync targets, with the stand-in
// endpoint of its tunnel, if any, filled in.
func (s *Sync) parseTarget(raw string) (rsync.Target, error) {
	if s.Tunnel != nil {
		raw = s.Tunnel.StandIn(raw)
	}
	return rsync.ParseTarget(raw)
}

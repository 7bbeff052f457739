package pluginhost

import (
	"log/slog"
	"time"
)

// Options says which plugin to run and how to supervise it.
type Options struct {
	// Name names the plugin in logs and errors: "SYNC/plugin:NAME".
	Name string
	// Command is the plugin's argv: {luasync, "plugin", "serve", "command"}
	// for a built-in plugin, {path} for a third-party one. A Command[0]
	// without a slash is looked up in $PATH. No shell is involved.
	Command []string
	// SHA256, when set, pins Command[0]'s binary: hex of its SHA-256. A
	// binary that does not match is not started.
	SHA256 string
	// MTLS has go-plugin negotiate mutual TLS on the connection (AutoMTLS).
	// Go plugins built with the SDK do it; a plugin in another language may
	// not.
	MTLS bool
	// Config is the plugin's table from the Lua config, as JSON-like values
	// (string, float64, bool, []any, map[string]any). It may hold secrets:
	// its values are never logged.
	Config map[string]any
	// Sync and Source say where the plugin is attached: the sync{}'s name
	// and its absolute source directory.
	Sync, Source string
	// Env is added to the plugin's environment (after luasync's own, so
	// it wins). Never logged.
	Env []string

	// Timeout bounds each Handle call. A call that runs past it is taken
	// for a hang: the process is killed and restarted, and the call's
	// events are sent again. 0: what the plugin's Configure said a call
	// may take (sdk.Config.CallTimeout), but at least DefaultTimeout.
	Timeout time.Duration
	// StartTimeout bounds the start of a process up to its handshake
	// (default 30s), and then Info and Configure as much again.
	StartTimeout time.Duration
	// PingInterval is how often Run checks on the process (default 5s).
	PingInterval time.Duration
	// Backoff paces restarts: the wait before the nth restart in a row
	// without a successful call between them is Initial doubled n-1
	// times, capped at Max (defaults 200ms and 30s).
	Backoff Backoff
	// DownWait is how long Apply waits for a plugin that is down (being
	// restarted) before it returns the events as Retry, for the pool to
	// requeue (default 60s).
	DownWait time.Duration

	// Logger gets the host's lines and the plugin's own (its sdk.Log lines
	// and its stderr), with plugin=Name (default slog.Default()).
	Logger *slog.Logger
}

// Backoff paces restarts of a plugin that keeps dying.
type Backoff struct {
	Initial, Max time.Duration
}

// The defaults for zero Options fields.
const (
	DefaultTimeout      = 60 * time.Second
	DefaultStartTimeout = 30 * time.Second
	DefaultPingInterval = 5 * time.Second
	DefaultDownWait     = 60 * time.Second
	DefaultBackoff      = 200 * time.Millisecond
	DefaultBackoffMax   = 30 * time.Second
	// DefaultMaxBatch caps a Handle call when the plugin sets no MaxBatch.
	DefaultMaxBatch = 1000
)

// redeliveries is how often Apply sends a call's events again, each time
// to a new process, after the process died or hung under them.
const redeliveries = 3

// maxCallBytes caps the path bytes in one Handle call, below gRPC's
// default 4 MiB limit on a message the plugin's server takes: a batch of
// a thousand long paths is split further.
const maxCallBytes = 2 << 20

func (o Options) withDefaults() Options {
	if o.StartTimeout <= 0 {
		o.StartTimeout = DefaultStartTimeout
	}
	if o.PingInterval <= 0 {
		o.PingInterval = DefaultPingInterval
	}
	if o.DownWait <= 0 {
		o.DownWait = DefaultDownWait
	}
	if o.Backoff.Initial <= 0 {
		o.Backoff.Initial = DefaultBackoff
	}
	if o.Backoff.Max <= 0 {
		o.Backoff.Max = DefaultBackoffMax
	}
	if o.Backoff.Max < o.Backoff.Initial {
		o.Backoff.Max = o.Backoff.Initial
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// delay is the wait before the nth restart in a row (n >= 1).
func (b Backoff) delay(n int) time.Duration {
	d := b.Initial
	for i := 1; i < n && d < b.Max; i++ {
		d *= 2
	}
	return min(d, b.Max)
}

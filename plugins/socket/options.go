package socket

import (
	"net"
	"strings"
	"time"

	"github.com/luasync/luasync/plugins/sdk"
)

// Options is the plugin's table in the Lua config,
//
//	plugins = { socket{ address = "127.0.0.1:8009" } }
//
// one field per key (the key's name starts each comment).
type Options struct {
	// address (required): where the listener is: "host:port" for TCP
	// ("192.168.138.20:8009", "[::1]:8009"), or "unix:/path/to.sock" for
	// a Unix stream socket.
	Address string
	// format: how each event is written. "json" (the default): one JSON
	// object per line, with keys op (create, modify, attrib, delete,
	// move, full), path (relative to the source; "" for the whole
	// source), from (a move's old path), isdir, sync (the sync's name)
	// and time (RFC 3339, when luasync handed the event over). A path
	// that is not valid UTF-8 is sent as path_b64 (standard base64 of its
	// bytes) instead of path, and a move's old one as from_b64.
	// "sersync": the absolute path and a newline, as sersync's socket
	// plugin sent it; a move sends its old path, then its new one; a full
	// event sends the directory. This format cannot carry a name that
	// holds a newline: such an event fails (to the fail log) and is not
	// sent.
	Format string
	// reconnect: the longest wait between attempts to reconnect after an
	// error (the wait doubles from 100ms up to this), in seconds or as a
	// duration string. Events that arrive while waiting are retried.
	// Default 5.
	Reconnect time.Duration
	// connectTimeout: how long a connection attempt may take. Default 5.
	ConnectTimeout time.Duration
	// writeTimeout: how long one write may block on a listener that does
	// not read; then the connection is closed and what was not written is
	// retried. Default 10.
	WriteTimeout time.Duration
	// buffer: how many events may wait to be written; the events of a
	// batch beyond it are retried at once rather than held. Default
	// 10000.
	Buffer int

	network, addr string // for net.Dial
}

// Defaults for Options.
const (
	DefaultFormat         = "json"
	DefaultReconnect      = 5 * time.Second
	DefaultConnectTimeout = 5 * time.Second
	DefaultWriteTimeout   = 10 * time.Second
	DefaultBuffer         = 10000
)

// parseOptions reads cfg into Options, recording every mistake on cfg.
func parseOptions(cfg *sdk.Config) Options {
	o := Options{
		Address:        cfg.Required("address"),
		Format:         cfg.OneOf("format", DefaultFormat, "json", "sersync"),
		Reconnect:      cfg.Duration("reconnect", DefaultReconnect),
		ConnectTimeout: cfg.Duration("connectTimeout", DefaultConnectTimeout),
		WriteTimeout:   cfg.Duration("writeTimeout", DefaultWriteTimeout),
		Buffer:         cfg.Int("buffer", DefaultBuffer, 1, 10_000_000),
	}
	if o.Address == "" {
		return o
	}
	if path, ok := strings.CutPrefix(o.Address, "unix:"); ok {
		o.network, o.addr = "unix", path
		if path == "" {
			cfg.Errorf("address", "%q names no socket: write unix:/path/to.sock", o.Address)
		}
		return o
	}
	o.network, o.addr = "tcp", o.Address
	if _, port, err := net.SplitHostPort(o.Address); err != nil || port == "" {
		cfg.Errorf("address", "%q is not host:port or unix:/path/to.sock", o.Address)
	}
	return o
}

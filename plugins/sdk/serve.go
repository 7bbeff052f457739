package sdk

import (
	"log/slog"
	"os"
	"strings"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
)

// Serve serves p to luasync and returns when the host is done with it
// (it stops the process, or closes the connection). Call it from main.
// Started by hand, outside luasync, it says that it is a plugin and exits
// with status 1.
func Serve(p Plugin) {
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: Handshake,
		Plugins:         plugin.PluginSet{Name: &GRPCPlugin{Impl: p}},
		GRPCServer:      plugin.DefaultGRPCServer,
		Logger: hclog.New(&hclog.LoggerOptions{Output: os.Stderr, JSONFormat: true,
			Level: hclog.Info, Name: "go-plugin"}),
	})
}

// Log is a plugin's logger: its lines go to stderr in the form the host
// reads, and reach luasync's log with the plugin's name and their level.
var Log = slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{
	Level:       slog.LevelDebug,
	ReplaceAttr: hostKeys,
}))

// hostKeys renames slog's keys to the ones go-plugin parses
// (@level, @message, @timestamp), with hclog's level names.
func hostKeys(groups []string, a slog.Attr) slog.Attr {
	if len(groups) > 0 {
		return a
	}
	switch a.Key {
	case slog.LevelKey:
		return slog.String("@level", strings.ToLower(a.Value.Resolve().String()))
	case slog.MessageKey:
		a.Key = "@message"
	case slog.TimeKey:
		// go-plugin parses exactly this layout (six fractional digits);
		// anything else and the line is logged as plain text at debug.
		return slog.String("@timestamp", a.Value.Time().Format("2006-01-02T15:04:05.000000Z07:00"))
	}
	return a
}

// GRPCPlugin meets go-plugin's interface.
var _ plugin.GRPCPlugin = (*GRPCPlugin)(nil)

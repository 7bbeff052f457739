package pluginhost

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"

	"github.com/hashicorp/go-hclog"
)

// goPluginLog is the name of the hclog logger handed to go-plugin. Lines
// logged under exactly this name are go-plugin's own chatter ("starting
// plugin", "plugin process exited"); the plugin's lines come under a child
// name (go-plugin names it after the binary).
const goPluginLog = "go-plugin"

// hclogFor is an hclog.Logger for go-plugin that re-logs every line to l:
// the plugin's own lines (its sdk.Log output, parsed by go-plugin, and raw
// stderr) at their level, go-plugin's chatter at debug. The hclog output
// itself is discarded; a sink sees each line with its level and arguments,
// so nothing is printed and parsed again.
func hclogFor(l *slog.Logger) hclog.Logger {
	il := hclog.NewInterceptLogger(&hclog.LoggerOptions{
		Name:   goPluginLog,
		Level:  hclog.Debug,
		Output: io.Discard,
	})
	il.RegisterSink(slogSink{l: l})
	return il
}

type slogSink struct{ l *slog.Logger }

func (s slogSink) Accept(name string, level hclog.Level, msg string, args ...any) {
	lvl := slogLevel(level)
	if name == goPluginLog {
		lvl = slog.LevelDebug
	}
	ctx := context.Background()
	if !s.l.Enabled(ctx, lvl) {
		return
	}
	attrs := make([]slog.Attr, 0, len(args)/2)
	for i := 0; i+1 < len(args); i += 2 {
		key := fmt.Sprint(args[i])
		// go-plugin adds the plugin's own timestamp and hclog's
		// bookkeeping; slog stamps the line itself.
		if key == "timestamp" || strings.HasPrefix(key, "@") {
			continue
		}
		attrs = append(attrs, slog.Any(key, args[i+1]))
	}
	s.l.LogAttrs(ctx, lvl, msg, attrs...)
}

func slogLevel(l hclog.Level) slog.Level {
	switch l {
	case hclog.Trace:
		return slog.LevelDebug - 4
	case hclog.Debug:
		return slog.LevelDebug
	case hclog.Warn:
		return slog.LevelWarn
	case hclog.Error:
		return slog.LevelError
	}
	return slog.LevelInfo
}

// tail keeps the last bytes a process wrote to stderr, for the error of a
// start that failed.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

const tailSize = 2048

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - tailSize; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.buf))
}

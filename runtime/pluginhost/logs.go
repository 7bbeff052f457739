package pluginhost

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/hashicorp/go-hclog"
)

// goPluginLog is the name of the hclog logger handed to go-plugin; it
// relays the plugin's stderr under the child name of the binary's base
// name, and logs its own chatter ("starting plugin", "plugin process
// exited") under this name and other children ("stdio").
const goPluginLog = "go-plugin"

// hclogFor is an hclog.Logger for go-plugin that re-logs every line to l:
// the plugin's own lines (its sdk.Log output and raw stderr) at their
// level, go-plugin's chatter at debug. The hclog output itself is
// discarded: a sink gets each line with its level and arguments.
func hclogFor(l *slog.Logger, path string) hclog.Logger {
	il := hclog.NewInterceptLogger(&hclog.LoggerOptions{
		Name:   goPluginLog,
		Level:  hclog.Debug,
		Output: io.Discard,
	})
	il.RegisterSink(slogSink{l: l, plugin: goPluginLog + "." + filepath.Base(path)})
	return il
}

type slogSink struct {
	l      *slog.Logger
	plugin string // the name go-plugin relays the plugin's stderr under
}

func (s slogSink) Accept(name string, level hclog.Level, msg string, args ...any) {
	lvl := slog.LevelDebug
	if name == s.plugin {
		lvl = slogLevel(level)
		if level == hclog.Debug && len(args) == 0 {
			// go-plugin relays a line it could not parse at debug, with
			// no arguments: a plain line, or JSON it did not take (its
			// parser wants one exact timestamp format). Parse JSON here.
			if m, l, attrs, ok := parseLine(msg); ok {
				s.log(l, m, attrs)
				return
			}
			if !strings.HasPrefix(msg, "[DEBUG]") && !strings.HasPrefix(msg, "[TRACE]") {
				lvl = slog.LevelInfo
			}
		}
	}
	if !s.l.Enabled(context.Background(), lvl) {
		return
	}
	attrs := make([]slog.Attr, 0, len(args)/2)
	for i := 0; i+1 < len(args); i += 2 {
		attrs = appendAttr(attrs, fmt.Sprint(args[i]), args[i+1])
	}
	s.log(lvl, msg, attrs)
}

func (s slogSink) log(lvl slog.Level, msg string, attrs []slog.Attr) {
	s.l.LogAttrs(context.Background(), lvl, msg, attrs...)
}

// parseLine reads a JSON log line in hclog's form (@level, @message).
func parseLine(line string) (msg string, lvl slog.Level, attrs []slog.Attr, ok bool) {
	if !strings.HasPrefix(line, "{") {
		return "", 0, nil, false
	}
	var m map[string]any
	if json.Unmarshal([]byte(line), &m) != nil {
		return "", 0, nil, false
	}
	msg, ok = m["@message"].(string)
	if !ok {
		return "", 0, nil, false
	}
	level, _ := m["@level"].(string)
	lvl = slogLevel(hclog.LevelFromString(level))
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		attrs = appendAttr(attrs, k, m[k])
	}
	return msg, lvl, attrs, true
}

// appendAttr adds key=v, leaving out go-plugin's copy of the plugin's
// timestamp and hclog's bookkeeping (@level, @module...): slog stamps the
// line itself.
func appendAttr(attrs []slog.Attr, key string, v any) []slog.Attr {
	if key == "timestamp" || strings.HasPrefix(key, "@") {
		return attrs
	}
	if key == "plugin" {
		key = "path" // go-plugin's name for the binary; ours is the plugin's name
	}
	return append(attrs, slog.Any(key, v))
}

// lines logs what a plugin writes to os.Stdout or os.Stderr after it
// started serving (go-plugin carries that over the connection), a line at
// a time.
type lines struct {
	l      *slog.Logger
	stream string

	mu  sync.Mutex
	buf []byte
}

// maxLine is where a line without an end is cut.
const maxLine = 64 << 10

func (w *lines) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 && len(w.buf) < maxLine {
			return len(p), nil
		}
		if i < 0 {
			i = len(w.buf)
		}
		line := strings.TrimRight(string(w.buf[:i]), "\r")
		w.buf = w.buf[min(i+1, len(w.buf)):]
		if line != "" {
			w.l.Info(line, "stream", w.stream)
		}
	}
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

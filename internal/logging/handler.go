package logging

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// Output takes one rendered record: its level, time, and the message
// followed by its attributes as slog's text handler writes them
// ("batch applied events=3 first=\"Create a b\"").
type Output func(level slog.Level, t time.Time, line string)

// Handler renders each record once and passes the line to its outputs.
type Handler struct {
	level slog.Leveler
	attrs slog.Handler // a text handler that writes only the attributes, into sh.buf
	sh    *shared
}

type shared struct {
	mu      sync.Mutex // one record at a time: buf, and the outputs' writers
	buf     bytes.Buffer
	outputs []Output
}

// New returns a handler for records at level or above.
func New(level slog.Leveler, outputs ...Output) *Handler {
	sh := &shared{outputs: outputs}
	attrs := slog.NewTextHandler(&sh.buf, &slog.HandlerOptions{
		Level: slog.LevelDebug - 8, // Enabled decides
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && (a.Key == slog.TimeKey || a.Key == slog.LevelKey || a.Key == slog.MessageKey) {
				return slog.Attr{}
			}
			return a
		},
	})
	return &Handler{level: level, attrs: attrs, sh: sh}
}

// Enabled implements slog.Handler.
func (h *Handler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level.Level() }

// Handle implements slog.Handler.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	h.sh.mu.Lock()
	defer h.sh.mu.Unlock()
	h.sh.buf.Reset()
	if err := h.attrs.Handle(ctx, r); err != nil {
		return err
	}
	line := r.Message
	if attrs := strings.TrimSuffix(h.sh.buf.String(), "\n"); attrs != "" {
		line += " " + attrs
	}
	t := r.Time
	if t.IsZero() {
		t = time.Now()
	}
	for _, out := range h.sh.outputs {
		out(r.Level, t, line)
	}
	return nil
}

// WithAttrs implements slog.Handler.
func (h *Handler) WithAttrs(as []slog.Attr) slog.Handler {
	return &Handler{level: h.level, attrs: h.attrs.WithAttrs(as), sh: h.sh}
}

// WithGroup implements slog.Handler.
func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{level: h.level, attrs: h.attrs.WithGroup(name), sh: h.sh}
}

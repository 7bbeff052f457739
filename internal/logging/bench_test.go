package logging

import (
	"io"
	"log/slog"
	"testing"
)

// BenchmarkLsyncdLine is the cost of one log line in lsyncd's format,
// beside slog's own text handler, for a line like the pool's per batch.
func BenchmarkLsyncdLine(b *testing.B) {
	for _, bc := range []struct {
		name string
		h    slog.Handler
	}{
		{"lsyncd", New(slog.LevelInfo, LsyncdConsole(io.Discard, io.Discard))},
		{"slog-text", slog.NewTextHandler(io.Discard, nil)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			log := slog.New(bc.h).With("sink", "www -> rsync:/srv/mirror")
			b.ReportAllocs()
			for b.Loop() {
				log.Info("batch applied", "events", 24, "ok", 24, "first", `Create file "a b"`)
			}
		})
	}
}

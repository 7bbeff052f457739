package main

import (
	"context"
	"io"
	"log/slog"

	"github.com/luasync/luasync/runtime/config"
	"github.com/luasync/luasync/runtime/daemon"
)

// cmdSync runs one full sync of every target and exits: sersync's -r, or a
// cron job's catch-up, without watching.
func cmdSync(args []string, _, stderr io.Writer) error {
	return withDaemon(args, "sync", stderr, func(ctx context.Context, d *daemon.Daemon, _ *config.Config, _ *slog.Logger) error {
		return d.FullSync(ctx)
	})
}

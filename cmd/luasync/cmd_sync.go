package main

import (
	"fmt"
	"io"

	"github.com/luasync/luasync/runtime/daemon"
)

// cmdSync runs one full sync of every target and exits: sersync's -r, or a
// cron job's catch-up, without watching.
func cmdSync(args []string, _, stderr io.Writer) error {
	vm, cfg, err := loadConfig(args, "sync")
	if err != nil {
		return err
	}
	defer vm.Close()
	log, closeLog, err := newLogger(cfg.Settings, stderr)
	if err != nil {
		return usageError{err}
	}
	defer closeLog()
	d, err := daemon.New(cfg, vm, log)
	if err != nil {
		return usageError{err}
	}
	ctx, stop := signalContext(log)
	defer stop()
	if err := d.FullSync(ctx); err != nil {
		return fmt.Errorf("sync %s: %w", cfg.File, err)
	}
	return nil
}

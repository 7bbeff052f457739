package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/luasync/luasync/runtime/config"
	"github.com/luasync/luasync/runtime/daemon"
	"github.com/luasync/luasync/runtime/faillog"
)

func cmdRun(args []string, _, stderr io.Writer) error {
	return withDaemon(args, "run", stderr, func(ctx context.Context, d *daemon.Daemon, log *slog.Logger) error {
		if err := d.Run(ctx); err != nil {
			return err
		}
		log.Info("stopped cleanly")
		return nil
	})
}

// withDaemon loads and validates a config, sets up logging, builds the
// daemon and calls fn with a context cancelled by SIGINT/SIGTERM. Mistakes
// before fn runs are usage errors (exit 2); fn's error is a runtime one, and
// so is a fail log that another luasync holds.
func withDaemon(args []string, verb string, stderr io.Writer,
	fn func(context.Context, *daemon.Daemon, *slog.Logger) error) error {
	vm, cfg, err := loadConfig(args, verb)
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
	if errors.Is(err, faillog.ErrInUse) {
		return err // another luasync runs this fail log: nothing wrong with the config (exit 1)
	}
	if err != nil {
		return usageError{err}
	}
	defer d.Close()
	ctx, stop := signalContext(log)
	defer stop()
	if err := fn(ctx, d, log); err != nil {
		return fmt.Errorf("%s %s: %w", verb, cfg.File, err)
	}
	return nil
}

// signalContext is cancelled by the first SIGINT or SIGTERM. A later SIGINT
// (Ctrl-C pressed again) exits at once; a repeated SIGTERM does not, since
// tools such as timeout(1) deliver it twice and must still get a drain.
func signalContext(log *slog.Logger) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		sig := <-sigs
		log.Info("signal received; draining (press Ctrl-C again to exit at once)", "signal", sig.String())
		cancel()
		for sig := range sigs {
			if sig == os.Interrupt {
				log.Error("second interrupt; exiting without draining")
				os.Exit(exitRuntime)
			}
		}
	}()
	return ctx, func() { signal.Stop(sigs); cancel() }
}

// newLogger logs to settings.logfile (appending) or to stderr.
func newLogger(s config.Settings, stderr io.Writer) (*slog.Logger, func(), error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(s.LogLevel)); err != nil {
		return nil, nil, fmt.Errorf("settings logLevel %q: want debug, info, warn or error", s.LogLevel)
	}
	w, closeFn := stderr, func() {}
	if s.LogFile != "" {
		f, err := os.OpenFile(s.LogFile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o640)
		if err != nil {
			return nil, nil, fmt.Errorf("open log file %s: %w", s.LogFile, err)
		}
		w, closeFn = f, func() { f.Close() }
	}
	log := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(log)
	return log, closeFn, nil
}

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

	"github.com/luasync/luasync/internal/logging"
	"github.com/luasync/luasync/internal/pidfile"
	"github.com/luasync/luasync/runtime/config"
	"github.com/luasync/luasync/runtime/daemon"
	"github.com/luasync/luasync/runtime/faillog"
)

func cmdRun(args []string, _, stderr io.Writer) error {
	return withDaemon(args, "run", stderr, func(ctx context.Context, d *daemon.Daemon, cfg *config.Config, log *slog.Logger) error {
		if cfg.Settings.OnePass {
			return d.FullSync(ctx) // lsyncd's onepass: the startup sync, then exit
		}
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
	fn func(context.Context, *daemon.Daemon, *config.Config, *slog.Logger) error) error {
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
	if cfg.Settings.PidFile != "" {
		pid, err := pidfile.Lock(cfg.Settings.PidFile)
		if err != nil {
			return err // another luasync runs, or the file cannot be written: exit 1
		}
		defer pid.Remove()
	}
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
	if err := fn(ctx, d, cfg, log); err != nil {
		var bad *config.Error
		if errors.As(err, &bad) {
			return usageError{err} // a plugin refused its config at start
		}
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

// newLogger logs to settings.logfile (appending) or to stderr, and to
// syslog as well when logfacility or logident asks for it.
func newLogger(s config.Settings, stderr io.Writer) (*slog.Logger, func(), error) {
	level, err := logLevel(s)
	if err != nil {
		return nil, nil, err
	}
	w, closeFn := io.Writer(stderr), func() {}
	if s.LogFile != "" {
		f, err := openLogFile(s.LogFile)
		if err != nil {
			return nil, nil, err
		}
		w, closeFn = f, func() { f.Close() }
	}
	var h slog.Handler = slog.NewTextHandler(w, &slog.HandlerOptions{Level: level})
	if s.LogFacility != "" || s.LogIdent != "" {
		sys, err := logging.DialSyslog("", "", s.LogFacility, orDefault(s.LogIdent, "luasync"))
		if err != nil {
			fmt.Fprintf(w, "luasync: %v; logging without syslog\n", err)
		} else {
			h = slog.NewMultiHandler(h, logging.New(level, logging.Syslog(sys, false)))
			closeFile := closeFn
			closeFn = func() { sys.Close(); closeFile() }
		}
	}
	log := slog.New(h)
	slog.SetDefault(log)
	return log, closeFn, nil
}

func logLevel(s config.Settings) (slog.Level, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(s.LogLevel)); err != nil {
		return level, fmt.Errorf("settings logLevel %q: want debug, info, warn or error", s.LogLevel)
	}
	return level, nil
}

func openLogFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o640)
	if err != nil {
		return nil, fmt.Errorf("open log file %s: %w", path, err)
	}
	return f, nil
}

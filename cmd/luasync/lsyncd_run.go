package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/luasync/luasync/internal/logging"
	"github.com/luasync/luasync/internal/lsyncdcli"
	"github.com/luasync/luasync/internal/pidfile"
	"github.com/luasync/luasync/runtime/config"
	"github.com/luasync/luasync/runtime/daemon"
	"github.com/luasync/luasync/runtime/luavm"
)

// lsyncdRun is one lsyncd command line being run.
type lsyncdRun struct {
	opts           *lsyncdcli.Options
	stdout, stderr io.Writer
}

// loaded is an evaluated, validated config and the VM that holds its Lua.
type loaded struct {
	vm  *luavm.VM
	cfg *config.Config
}

// load evaluates the config file, or builds the config of the config-less
// forms, lays the command line over it and validates it.
func (r *lsyncdRun) load() (*loaded, error) {
	var (
		l   loaded
		err error
	)
	if r.opts.Config != "" {
		l.vm, l.cfg, err = luavm.Load(r.opts.Config)
	} else if l.cfg, err = r.opts.Build(); err == nil {
		// The syncs are built in Go: their VM holds no Lua function.
		l.vm, _, err = luavm.LoadString(l.cfg.File, "")
	}
	if err != nil {
		return nil, err
	}
	if err = r.opts.Apply(l.cfg); err == nil {
		err = l.cfg.Validate()
	}
	if err != nil {
		l.vm.Close()
		return nil, err
	}
	return &l, nil
}

// run runs the command line until a signal ends it (or -onepass is done)
// and returns lsyncd's exit status. SIGHUP reloads the config, as lsyncd
// does; what is pending at that moment is drained or goes to the fail log,
// and the new run's startup sync covers it.
func (r *lsyncdRun) run() int {
	l, err := r.load()
	if err != nil {
		fmt.Fprintf(r.stderr, "Error: %v\n", err)
		return lsyncdFailure
	}
	log, closeLog, err := r.logger(l.cfg.Settings)
	if err != nil {
		l.vm.Close()
		fmt.Fprintf(r.stderr, "Error: %v\n", err)
		return lsyncdFailure
	}
	defer closeLog()
	if p := l.cfg.Settings.PidFile; p != "" {
		pid, err := pidfile.Lock(p)
		if err != nil {
			l.vm.Close()
			log.Error(err.Error())
			return lsyncdFailure
		}
		defer pid.Remove()
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	for {
		status, next := r.runOnce(l, log, sigs)
		if next == nil {
			return status
		}
		l = next
	}
}

// runOnce runs one config until it ends; next is the config a SIGHUP
// loaded, to run after it.
func (r *lsyncdRun) runOnce(l *loaded, log *slog.Logger, sigs <-chan os.Signal) (status int, next *loaded) {
	defer l.vm.Close()
	d, err := daemon.New(l.cfg, l.vm, log)
	if err != nil {
		log.Error(err.Error())
		return lsyncdFailure, nil
	}
	defer d.Close()
	log.Info("--- Startup ---")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		if l.cfg.Settings.OnePass {
			done <- d.FullSync(ctx)
		} else {
			done <- d.Run(ctx)
		}
	}()
	var stopped syscall.Signal
	for {
		select {
		case err := <-done:
			return r.outcome(l.cfg, log, err, stopped, next)
		case sig := <-sigs:
			switch {
			case sig == syscall.SIGHUP && stopped == 0 && next == nil:
				next = r.reload(log)
				if next != nil {
					cancel()
				}
			case sig == syscall.SIGHUP:
			case stopped != 0 && sig == syscall.SIGINT:
				log.Error("second interrupt; exiting without draining")
				os.Exit(128 + int(syscall.SIGINT))
			case stopped == 0:
				stopped = sig.(syscall.Signal)
				log.Info(fmt.Sprintf("--- %s signal, fading ---", signalName(stopped)))
				if next != nil { // a reload was under way: stop instead
					next.vm.Close()
					next = nil
				}
				cancel()
			}
		}
	}
}

// reload loads the config again for SIGHUP. One that no longer loads is
// reported and the running one kept: better than lsyncd, which exits.
func (r *lsyncdRun) reload(log *slog.Logger) *loaded {
	next, err := r.load()
	if err != nil {
		log.Error("--- HUP signal: the config does not load; keeping the one running", "err", err)
		return nil
	}
	yes := true
	next.cfg.Settings.Insist = &yes // as lsyncd: a reset never ends on an unreachable target
	log.Info("--- HUP signal, resetting ---")
	return next
}

// outcome is lsyncd's exit status for how a run ended.
func (r *lsyncdRun) outcome(cfg *config.Config, log *slog.Logger, err error, stopped syscall.Signal, next *loaded) (int, *loaded) {
	switch {
	case stopped != 0 && (err == nil || cfg.Settings.OnePass):
		return 128 + int(stopped), nil
	case next != nil && (err == nil || cfg.Settings.OnePass): // an interrupted onepass starts over
		return exitOK, next
	case err != nil:
		log.Error(err.Error())
		if next != nil {
			next.vm.Close()
		}
		return lsyncdFailure, nil
	case cfg.Settings.OnePass:
		log.Info("onepass active and all syncs finished. Exiting successfully")
	}
	return exitOK, nil
}

func signalName(s syscall.Signal) string {
	switch s {
	case syscall.SIGINT:
		return "INT"
	case syscall.SIGTERM:
		return "TERM"
	}
	return "UNKNOWN"
}

// logger logs where lsyncd would, in lsyncd's line format: with -nodaemon
// to the console (errors to stderr, the rest to stdout) and to the log
// file if one is set; without it, to the log file, else to syslog (ident
// logident or "lsyncd", facility logfacility or user). luasync never forks:
// without -nodaemon it says so once on stderr, and where its log goes.
func (r *lsyncdRun) logger(s config.Settings) (*slog.Logger, func(), error) {
	level, err := logLevel(s)
	if err != nil {
		return nil, nil, err
	}
	var outs []logging.Output
	closers := []func() error{}
	closeAll := func() {
		for _, c := range closers {
			c()
		}
	}
	if s.NoDaemon {
		outs = append(outs, logging.LsyncdConsole(r.stdout, r.stderr))
	}
	where := "syslog"
	if s.LogFile != "" {
		f, err := openLogFile(s.LogFile)
		if err != nil {
			return nil, nil, err
		}
		outs, closers, where = append(outs, logging.LsyncdFile(f)), append(closers, f.Close), s.LogFile
	} else if !s.NoDaemon {
		sys, err := logging.DialSyslog("", "", s.LogFacility, orDefault(s.LogIdent, "lsyncd"))
		if err != nil {
			fmt.Fprintf(r.stderr, "Warn: %v; logging to the console instead\n", err)
			outs, where = append(outs, logging.LsyncdConsole(r.stdout, r.stderr)), "the console"
		} else {
			outs, closers = append(outs, logging.Syslog(sys, true)), append(closers, sys.Close)
		}
	}
	if !s.NoDaemon {
		fmt.Fprintf(r.stderr, "Normal: luasync does not daemonize; it runs in the foreground and logs to %s (-nodaemon logs to the console)\n", where)
	}
	log := slog.New(logging.New(level, outs...))
	slog.SetDefault(log)
	return log, closeAll, nil
}

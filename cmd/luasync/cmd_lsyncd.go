package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/luasync/luasync/internal/lsyncdcli"
)

// lsyncdFailure is lsyncd's exit status for every failure: its exit(-1).
// On SIGTERM or SIGINT it exits 128 plus the signal's number instead.
const lsyncdFailure = 255

// cmdLsyncd is `luasync lsyncd ARGS`, and luasync called as lsyncd: lsyncd
// 2.3's command line, its log lines and its exit statuses, over luasync's
// pipeline. It says what went wrong itself, as lsyncd would
// ("Error: ..."), and returns an exitWith.
func cmdLsyncd(args []string, stdout, stderr io.Writer) error {
	opts, err := lsyncdcli.Parse(args)
	switch {
	case errors.Is(err, lsyncdcli.ErrNothingToDo):
		lsyncdHelp(stdout)
		return exitWith(lsyncdFailure)
	case err != nil:
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return exitWith(lsyncdFailure)
	case opts.Help:
		lsyncdHelp(stdout)
		return nil
	case opts.Version:
		fmt.Fprintf(stdout, "Version: %s (luasync %s)\n", lsyncdcli.Version, version)
		return nil
	}
	r := &lsyncdRun{opts: opts, stdout: stdout, stderr: stderr}
	if status := r.run(); status != exitOK {
		return exitWith(status)
	}
	return nil
}

func lsyncdHelp(w io.Writer) {
	fmt.Fprintf(w, `luasync %s, running lsyncd %s's command line

USAGE:
  runs a config file:
    lsyncd [OPTIONS] [CONFIG-FILE]

  default rsync behaviour:
    lsyncd [OPTIONS] -rsync [SOURCE] [TARGET]

  default rsync with mv's through ssh:
    lsyncd [OPTIONS] -rsyncssh [SOURCE] [HOST] [TARGETDIR]

  default local copying (luasync's direct sink, in Go):
    lsyncd [OPTIONS] -direct [SOURCE] [TARGETDIR]

  -rsync, -rsyncssh and -direct may repeat; luasync lsyncd ... is the same
  as lsyncd ... when luasync is installed under the name lsyncd.

OPTIONS:
  -delay SECS         Overrides every sync's delay
  -help               Shows this
  -insist             Continues startup even if it cannot connect
  -log    all         Logs everything (debug)
  -log    scarce      Logs warnings and errors only
  -log    [Category]  Logs everything (luasync has no categories)
  -logfile FILE       Writes log to FILE (DEFAULT: uses syslog)
  -nodaemon           Logs to stdout/stderr (luasync never detaches)
  -onepass            Syncs once and exits
  -pidfile FILE       Writes luasync's PID into FILE, locked while it runs
  -sshopts "OPTS"     Additional ssh command options for -rsyncssh
  -version            Prints the version and exits

EXIT STATUS:
  0 after -onepass, -help or -version; 128+SIGNUM after SIGTERM (143) or
  SIGINT (130); 255 on any failure. SIGHUP reloads the config.

SEE:
  docs/config.md, "lsyncd command line and settings"
`, version, lsyncdcli.Version)
}

// Command luasync keeps mirrors of directory trees in step with them in near
// real time, configured in Lua as lsyncd is. See README.md.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// version is set by the build (-ldflags "-X main.version=...").
var version = "dev"

// Exit statuses: 2 for a mistake in the command line or the config (nothing
// ran), 1 for a failure while running.
const (
	exitOK      = 0
	exitRuntime = 1
	exitUsage   = 2
)

// usageError is a command-line or config mistake: exit status 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

type verb struct {
	name, args, help string
	run              func(args []string, stdout, stderr io.Writer) error
}

var verbs = []verb{
	{"run", "CONFIG", "watch and mirror as CONFIG says, in the foreground, until SIGINT/SIGTERM", cmdRun},
	{"sync", "CONFIG", "make every target identical to its source once, then exit (no watching)", cmdSync},
	{"check", "CONFIG", "validate CONFIG and print the resolved plan; changes nothing", cmdCheck},
	{"version", "", "print the version", cmdVersion},
	{"plugin", "list|serve NAME", "list the built-in plugins; serve is how luasync starts one (not run by hand)", cmdPlugin},
	{"lsyncd", "[ARGS]", "run as lsyncd 2.3 would with the same arguments (luasync lsyncd -help); also the verb when luasync is called lsyncd", cmdLsyncd},
}

func main() {
	args := os.Args[1:]
	if filepath.Base(os.Args[0]) == "lsyncd" && !servingPlugin(args) { // a symlink or copy named lsyncd: a drop-in
		args = append([]string{"lsyncd"}, args...)
	}
	os.Exit(realMain(args, os.Stdout, os.Stderr))
}

// servingPlugin: luasync starts its built-in plugins as `BINARY plugin
// serve NAME`, whatever the binary is called (lsyncd too).
func servingPlugin(args []string) bool {
	return len(args) >= 2 && args[0] == "plugin" && args[1] == "serve"
}

func realMain(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, v := range verbs {
		if v.name == args[0] {
			defer startProfile(stderr)()
			return exitCode(stderr, v.run(args[1:], stdout, stderr))
		}
	}
	fmt.Fprintf(stderr, "luasync: unknown command %q\n\n", args[0])
	usage(stderr)
	return exitUsage
}

// exitWith is an error that carries only an exit status: the command has
// already said what went wrong, in its own way (lsyncd's command line
// speaks as lsyncd does).
type exitWith int

func (e exitWith) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

func exitCode(stderr io.Writer, err error) int {
	if err == nil {
		return exitOK
	}
	var status exitWith
	if errors.As(err, &status) {
		return int(status)
	}
	fmt.Fprintf(stderr, "luasync: %v\n", err)
	var ue usageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	return exitRuntime
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "usage: luasync COMMAND [ARGS]\n\ncommands:\n")
	for _, v := range verbs {
		fmt.Fprintf(w, "  %-8s %-7s %s\n", v.name, v.args, v.help)
	}
	fmt.Fprintf(w, "\nexit status: 0 ok, 1 runtime failure, 2 bad command line or config\n")
}

func cmdVersion(args []string, stdout, _ io.Writer) error {
	if len(args) != 0 {
		return usagef("version takes no arguments")
	}
	fmt.Fprintf(stdout, "luasync %s\n", version)
	return nil
}

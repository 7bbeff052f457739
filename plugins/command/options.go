package command

import (
	"fmt"
	"math"
	"os/exec"
	"regexp"
	"strings"
	"time"

	"github.com/luasync/luasync/plugins/sdk"
)

// Options is the plugin's table in the Lua config,
//
//	plugins = { command{ prefix = "/usr/local/bin/notify --quiet", events = { "create", "modify" } } }
//
// one field per key (the key's name starts each comment).
type Options struct {
	// prefix (required): the command. A list is its argv as written
	// ({"/usr/bin/purge", "--site", "www"}); a string is split on spaces
	// into argv ("/usr/bin/purge --site www"), so write a list when an
	// argument holds a space. The first word must be an executable file,
	// or a name found in PATH. With shell = true, prefix is shell text
	// instead (a list is joined with spaces).
	Prefix []string
	// suffix: more arguments after the file's path, a string split on
	// spaces or a list, as for prefix. With shell = true, shell text put
	// after "$1" and a space. Default: none.
	Suffix []string
	// shell: run prefix and suffix as shell text, as
	// sh -c '<prefix> "$1" <suffix>' sh <abspath>, for pipes and
	// redirections. The path only ever reaches the shell as "$1": quote
	// it ("$1") wherever the text uses it. Default false.
	Shell bool
	// include: a regular expression (Go syntax, RE2), or a list of them,
	// matched against the path relative to the source (for a move, the
	// old path matching is enough). Events on other paths are done
	// without running anything. A full event always passes, since
	// anything below its directory may match. Default: every path, as
	// sersync's <filter start="false">.
	Include []*regexp.Regexp
	// events: which operations run the command, a list of create,
	// modify, attrib, delete, move and full. The others are done without
	// running anything. Default { "create", "modify", "move", "delete",
	// "full" }: not attrib.
	Events []sdk.Op
	// ignoreError: a command that exits non-zero is logged and the event
	// counted done, as sersync's ignoreError="true". Statuses in retryOn,
	// death by a signal and timeouts are still retried. Default false.
	IgnoreError bool
	// retryOn: exit statuses that mean "try again later": the event is
	// retried with backoff (then the fail log) instead of failing at
	// once. A number or a list of numbers, 1 to 255. Default { 75 }
	// (EX_TEMPFAIL).
	RetryOn []int
	// timeout: how long one command may run, in seconds or as a duration
	// string ("500ms"). Past it, its process group gets SIGTERM, then
	// SIGKILL a few seconds later, and the event is retried. Default 30.
	Timeout time.Duration
	// workers: how many commands run at once, across all batches.
	// Default 4.
	Workers int
}

// Defaults for Options.
const (
	DefaultTimeout = 30 * time.Second
	DefaultWorkers = 4
)

var defaultEvents = []sdk.Op{sdk.Create, sdk.Modify, sdk.Move, sdk.Delete, sdk.Full}

// parseOptions reads cfg into Options, recording every mistake on cfg.
func parseOptions(cfg *sdk.Config) Options {
	var o Options
	o.Shell = cfg.Bool("shell", false)
	o.Prefix = words(cfg, "prefix", o.Shell)
	if len(o.Prefix) == 0 && !hasError(cfg, "prefix") {
		cfg.Errorf("prefix", "required")
	}
	o.Suffix = words(cfg, "suffix", o.Shell)
	o.Include = regexps(cfg, "include")
	o.Events = ops(cfg, "events")
	o.IgnoreError = cfg.Bool("ignoreError", false)
	o.RetryOn = statuses(cfg, "retryOn", []int{75})
	o.Timeout = cfg.Duration("timeout", DefaultTimeout)
	o.Workers = cfg.Int("workers", DefaultWorkers, 1, 1024)
	if len(o.Prefix) > 0 && !o.Shell {
		if _, err := exec.LookPath(o.Prefix[0]); err != nil {
			cfg.Errorf("prefix", "command %q: %v", o.Prefix[0], unwrapExec(err))
		}
	}
	return o
}

// words reads key as argv: a list as is, a string split on spaces; in
// shell mode, as one piece of shell text.
func words(cfg *sdk.Config, key string, shell bool) []string {
	_, isString := cfg.Values[key].(string)
	list := cfg.Strings(key)
	if shell {
		text := strings.TrimSpace(strings.Join(list, " "))
		if text == "" {
			return nil
		}
		return []string{text}
	}
	if isString && len(list) == 1 {
		return strings.Fields(list[0])
	}
	for i, w := range list {
		if w == "" {
			cfg.Errorf(fmt.Sprintf("%s[%d]", key, i+1), "an empty argument")
		}
	}
	return list
}

func regexps(cfg *sdk.Config, key string) []*regexp.Regexp {
	var out []*regexp.Regexp
	for _, s := range cfg.Strings(key) {
		re, err := regexp.Compile(s)
		if err != nil {
			cfg.Errorf(key, "bad regular expression %q: %v", s, err)
			continue
		}
		out = append(out, re)
	}
	return out
}

func ops(cfg *sdk.Config, key string) []sdk.Op {
	if !cfg.Has(key) {
		return defaultEvents
	}
	var out []sdk.Op
	for _, s := range cfg.Strings(key) {
		op, err := sdk.ParseOp(s)
		if err != nil {
			cfg.Errorf(key, "%v", err)
			continue
		}
		out = append(out, op)
	}
	return out
}

// statuses reads a number or a list of numbers, each an exit status.
func statuses(cfg *sdk.Config, key string, def []int) []int {
	if !cfg.Has(key) {
		return def
	}
	v := cfg.Values[key]
	list, isList := sdk.AsList(v)
	if !isList {
		list = []any{v}
	}
	out := []int{}
	for _, e := range list {
		f, isNum := e.(float64)
		if !isNum || f != math.Trunc(f) || f < 1 || f > 255 {
			cfg.Errorf(key, "want exit statuses (whole numbers 1 to 255), got %v", e)
			continue
		}
		out = append(out, int(f))
	}
	return out
}

// hasError reports whether a getter already recorded a mistake on key
// (or one of its elements), so that "required" is not said twice.
func hasError(cfg *sdk.Config, key string) bool {
	errs, _ := cfg.Err().(sdk.ConfigErrors)
	for _, e := range errs {
		if e.Key == key || strings.HasPrefix(e.Key, key+"[") {
			return true
		}
	}
	return false
}

// unwrapExec drops exec.Error's repetition of the name.
func unwrapExec(err error) error {
	if e, ok := err.(*exec.Error); ok {
		return e.Err
	}
	return err
}

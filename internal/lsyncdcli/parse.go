package lsyncdcli

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Version is the lsyncd version whose command line and behaviour luasync's
// lsyncd command follows; `-version` reports it first, so scripts that read
// lsyncd's version keep working.
const Version = "2.3.1"

// ErrNothingToDo is Parse's answer to a command line with neither a config
// file nor a -rsync, -rsyncssh or -direct: lsyncd prints its help then, and
// exits with its failure status.
var ErrNothingToDo = errors.New("no config file and no -rsync, -rsyncssh or -direct")

// Options is one lsyncd command line.
type Options struct {
	Config   string // the config file; "" with command-line syncs
	Syncs    []Sync // -rsync, -rsyncssh and -direct, in order (each may repeat)
	NoDaemon bool   // -nodaemon
	// Delay is -delay SECS, which overrides every sync's delay; HasDelay
	// says it was given.
	Delay    time.Duration
	HasDelay bool
	Log      []string // -log all|scarce|CATEGORY, in order
	LogFile  string   // -logfile FILE
	PidFile  string   // -pidfile FILE
	Insist   bool     // -insist
	OnePass  bool     // -onepass
	SSHOpts  []string // -sshopts "...", split as a shell would; for -rsyncssh syncs
	Help     bool     // -help: print the help, nothing else
	Version  bool     // -version: print the version, nothing else
}

// Sync is one config-less sync: Kind is "rsync", "rsyncssh" or "direct";
// Host is set for rsyncssh only.
type Sync struct {
	Kind, Source, Host, Target string
}

type option struct {
	args int
	set  func(o *Options, v []string) (stop bool, err error)
}

var options = map[string]option{
	"delay":    {1, setDelay},
	"insist":   {0, func(o *Options, _ []string) (bool, error) { o.Insist = true; return false, nil }},
	"log":      {1, func(o *Options, v []string) (bool, error) { o.Log = append(o.Log, v[0]); return false, nil }},
	"logfile":  {1, func(o *Options, v []string) (bool, error) { o.LogFile = v[0]; return false, nil }},
	"nodaemon": {0, func(o *Options, _ []string) (bool, error) { o.NoDaemon = true; return false, nil }},
	"onepass":  {0, func(o *Options, _ []string) (bool, error) { o.OnePass = true; return false, nil }},
	"pidfile":  {1, func(o *Options, v []string) (bool, error) { o.PidFile = v[0]; return false, nil }},
	"sshopts":  {1, setSSHOpts},
	"rsync":    {2, addSync("rsync")},
	"rsyncssh": {3, addSync("rsyncssh")},
	"direct":   {2, addSync("direct")},
	"version":  {0, func(o *Options, _ []string) (bool, error) { o.Version = true; return true, nil }},
	"monitor":  {1, setMonitor},
	"script":   {1, unsupported("-script runs extra Lua before the config; luasync has no such hook: put that Lua at the top of the config")},
	"runner":   {1, unsupported("-runner replaces lsyncd's Lua core, which luasync does not have")},
}

// Parse reads an lsyncd command line (without the program name).
func Parse(args []string) (*Options, error) {
	if err := checkLogs(args); err != nil {
		return nil, err
	}
	o := &Options{}
	for _, a := range args {
		if a == "-help" || a == "--help" {
			o.Help = true
			return o, nil
		}
	}
	var configs []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") {
			configs = append(configs, a)
			continue
		}
		name := strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
		opt, ok := options[name]
		if !ok {
			return nil, fmt.Errorf("unknown option command line option %s", a)
		}
		if i+opt.args >= len(args) {
			return nil, fmt.Errorf("%s needs %d arguments", name, opt.args)
		}
		stop, err := opt.set(o, args[i+1:i+1+opt.args])
		if err != nil || stop {
			return o, err
		}
		i += opt.args
	}
	switch {
	case len(o.Syncs) > 0 && len(configs) > 0:
		return nil, errors.New("there cannot be command line syncs and a config file together")
	case len(o.Syncs) > 0:
	case len(configs) == 0:
		return nil, ErrNothingToDo
	case len(configs) > 1:
		return nil, fmt.Errorf("there can only be one config file in the command line (got %q)", configs)
	default:
		o.Config = configs[0]
	}
	return o, nil
}

// checkLogs checks every -log value before anything else, as lsyncd's core
// does: all, scarce, or a category, which starts with a capital letter.
func checkLogs(args []string) error {
	for i := 0; i+1 < len(args); i++ {
		if args[i] != "-log" && args[i] != "--log" {
			continue
		}
		i++
		if v := args[i]; v != "all" && v != "scarce" && (v == "" || v[0] < 'A' || v[0] > 'Z') {
			return fmt.Errorf("'%s' is not a valid logging category", v)
		}
	}
	return nil
}

func setDelay(o *Options, v []string) (bool, error) {
	secs, err := strconv.ParseFloat(strings.TrimSpace(v[0]), 64)
	if err != nil || secs < 0 || secs > 1e9 {
		return false, fmt.Errorf("-delay %q: want a number of seconds, such as 5 or 0.5", v[0])
	}
	o.Delay, o.HasDelay = time.Duration(secs*float64(time.Second)), true
	return false, nil
}

func setSSHOpts(o *Options, v []string) (bool, error) {
	words, err := SplitQuoted(v[0])
	if err != nil {
		return false, fmt.Errorf("-sshopts %q: %w", v[0], err)
	}
	o.SSHOpts = words
	return false, nil
}

func addSync(kind string) func(*Options, []string) (bool, error) {
	return func(o *Options, v []string) (bool, error) {
		s := Sync{Kind: kind, Source: v[0], Target: v[len(v)-1]}
		if kind == "rsyncssh" {
			s.Host = v[1]
		}
		o.Syncs = append(o.Syncs, s)
		return false, nil
	}
}

func setMonitor(_ *Options, v []string) (bool, error) {
	if v[0] != "inotify" {
		return false, fmt.Errorf("-monitor %s: luasync watches with inotify only", v[0])
	}
	return false, nil
}

func unsupported(why string) func(*Options, []string) (bool, error) {
	return func(*Options, []string) (bool, error) { return false, errors.New(why) }
}

// SplitQuoted splits -sshopts' value into words as a shell would: at
// blanks, except inside '...' (taken as is) or "..." (where \" and \\
// escape), and a backslash outside quotes escapes the next character.
func SplitQuoted(s string) ([]string, error) {
	var words []string
	var w strings.Builder
	inWord, quote := false, byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote == '\'' && c == '\'', quote == '"' && c == '"':
			quote = 0
		case quote == '"' && c == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\'):
			i++
			w.WriteByte(s[i])
		case quote != 0:
			w.WriteByte(c)
		case c == '\'' || c == '"':
			quote, inWord = c, true
		case c == '\\' && i+1 < len(s):
			i++
			w.WriteByte(s[i])
			inWord = true
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("missing the closing %c", quote)
	}
	if inWord {
		words = append(words, w.String())
	}
	return words, nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/luasync/luasync/runtime/config"
	"github.com/luasync/luasync/runtime/daemon"
	"github.com/luasync/luasync/runtime/filter"
	"github.com/luasync/luasync/runtime/pluginhost"
)

// cmdCheck validates a config and prints what run would do with it.
func cmdCheck(args []string, stdout, _ io.Writer) error {
	vm, cfg, err := loadConfig(args, "check")
	if err != nil {
		return err
	}
	defer vm.Close()
	w := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	s := cfg.Settings
	fmt.Fprintf(w, "config\t%s\n", cfg.File)
	fmt.Fprintf(w, "inotifyMode\t%s\n", s.InotifyMode)
	fmt.Fprintf(w, "log\t%s (level %s)\n", orDefault(s.LogFile, "stderr"), s.LogLevel)
	fmt.Fprintf(w, "fail log\t%s\n", daemon.FailLogPath(cfg))
	fmt.Fprintf(w, "shutdown grace\t%s\n", s.ShutdownGrace)
	fmt.Fprintf(w, "pidfile\t%s\n", orDefault(s.PidFile, "-"))
	if s.LogFacility != "" || s.LogIdent != "" {
		fmt.Fprintf(w, "syslog\tfacility %s, ident %s\n", orDefault(s.LogFacility, "user"), orDefault(s.LogIdent, "luasync"))
	}
	if s.OnePass {
		fmt.Fprintf(w, "onepass\tthe startup sync only, then exit\n")
	}
	for i := range cfg.Syncs {
		if err := printSync(w, &cfg.Syncs[i], vm.HasFilter(i)); err != nil {
			return err
		}
		for _, a := range vm.Actions(i) {
			fmt.Fprintf(w, "  action\t%s\n", a)
		}
		if err := checkPlugins(w, &cfg.Syncs[i]); err != nil {
			w.Flush()
			return usageError{err}
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	fmt.Fprintf(stdout, "\nconfig OK: %d sync(s)\n", len(cfg.Syncs))
	return nil
}

func printSync(w io.Writer, c *config.Sync, luaFilter bool) error {
	f, err := filter.New(c.FilterOptions())
	if err != nil {
		return usageError{fmt.Errorf("%s:%d: sync %s: %w", c.Pos.File, c.Pos.Line, c.Name, err)}
	}
	fmt.Fprintf(w, "\nsync %s\t(%s:%d)\n", c.Name, c.Pos.File, c.Pos.Line)
	fmt.Fprintf(w, "  kind\t%s\n", c.Kind)
	fmt.Fprintf(w, "  source\t%s\n", c.Source)
	fmt.Fprintf(w, "  target\t%s\n", c.Target)
	fmt.Fprintf(w, "  exclude\t%s\n", list(c.Exclude))
	fmt.Fprintf(w, "  excludeFrom\t%s\n", orDefault(c.ExcludeFrom, "-"))
	fmt.Fprintf(w, "  filter rules\t%s\n", list(c.FilterRules))
	fmt.Fprintf(w, "  filterFrom\t%s\n", orDefault(c.FilterFrom, "-"))
	fmt.Fprintf(w, "  effective\t%s\n", list(f.Patterns()))
	fmt.Fprintf(w, "  lua filter\t%t\n", luaFilter)
	fmt.Fprintf(w, "  init\t%t\n", c.Init)
	fmt.Fprintf(w, "  delete\t%s\n", c.DeleteMode())
	fmt.Fprintf(w, "  delay\t%s (max wait %s), batches at most every %s\n", c.Delay, c.MaxWait, c.BatchInterval)
	fmt.Fprintf(w, "  workers\t%d\n", c.Workers)
	fmt.Fprintf(w, "  batch\t%d files, %d bytes%s\n", c.BatchFiles, c.BatchBytes, batchExtras(c))
	if len(c.RsyncExitCodes)+len(c.SSHExitCodes) > 0 {
		fmt.Fprintf(w, "  exit codes\trsync %s, ssh %s\n", exitCodes(c.RsyncExitCodes), exitCodes(c.SSHExitCodes))
	}
	fmt.Fprintf(w, "  retry\t%d attempts, backoff %s doubling to %s\n", c.Retry.Attempts, c.Retry.Initial, c.Retry.Max)
	fmt.Fprintf(w, "  crontab\t%s\n", list(c.Crontab))
	if fs := c.FullSync; fs != nil {
		fmt.Fprintf(w, "  fullsync\t%q, excluding %s\n", fs.Schedule, list(fs.Exclude))
	} else {
		fmt.Fprintf(w, "  fullsync\t-\n")
	}
	if t := c.Tunnel; t != nil {
		fmt.Fprintf(w, "  tunnel\t%s\n", describeTunnel(t))
	}
	return nil
}

// describeTunnel says in one line what a tunnel{} runs and when it is up.
func describeTunnel(t *config.Tunnel) string {
	ready := fmt.Sprintf("ready after %s", t.ReadyDelay)
	if len(t.CheckCommand) > 0 {
		ready = fmt.Sprintf("ready while %s passes (every %s)", list(t.CheckCommand), t.ReadyDelay)
	}
	return fmt.Sprintf("%s (%s): %s mode, %d process(es) of %s, %s, started again %s after exiting",
		t.Name, t.Pos, t.Mode, t.Parallel, list(t.Command), ready, t.RetryDelay)
}

func list(s []string) string {
	if len(s) == 0 {
		return "-"
	}
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(q, " ")
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// batchExtras describes batchSizeLimit and maxDelays when set.
func batchExtras(c *config.Sync) string {
	var b strings.Builder
	if c.BatchSizeLimit > 0 {
		fmt.Fprintf(&b, "; files over %d bytes alone", c.BatchSizeLimit)
	}
	if c.MaxDelays > 0 {
		fmt.Fprintf(&b, "; at once when %d are pending", c.MaxDelays)
	}
	return b.String()
}

// exitCodes lists an exit code table as "5=die 23=again", in order.
func exitCodes(codes map[int]config.ExitAction) string {
	if len(codes) == 0 {
		return "-"
	}
	var out []string
	for _, code := range slices.Sorted(maps.Keys(codes)) {
		out = append(out, fmt.Sprintf("%d=%s", code, codes[code]))
	}
	return strings.Join(out, " ")
}

// checkPlugins starts each of the sync's plugins with its config, asks it
// to validate that (Configure, in check mode: it opens nothing), and stops
// it; what the plugin finds wrong is reported at the key's line.
func checkPlugins(w io.Writer, s *config.Sync) error {
	var errs []error
	for i := range s.Plugins {
		p := &s.Plugins[i]
		o, err := daemon.PluginOptions(s, p, slog.New(slog.DiscardHandler))
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		info, err := pluginhost.Check(ctx, o)
		cancel()
		if err != nil {
			errs = append(errs, daemon.PluginError(s, p, err))
			continue
		}
		from := "built in"
		if p.Kind == "plugin" {
			from = p.Path
		}
		when := ""
		if p.After == "mirror" {
			when = ", after the mirror"
		}
		fmt.Fprintf(w, "  plugin %s\t%s %s (%s), call timeout %s%s\n", p.Name, info.Name, info.Version, from, info.CallTimeout, when)
	}
	return errors.Join(errs...)
}

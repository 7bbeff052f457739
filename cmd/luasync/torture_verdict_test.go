package main

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/direct/treecmp"
)

// How a torture run is judged once its writers stop (the mirror settles,
// luasync goes idle), and how a failed one is reported.

// idleGiveUp is how long luasync may sit idle (nothing pending, nothing
// in flight) with a mirror that differs before settle gives up early: no
// event is coming that could fix it (retries wait in the queue, so they
// count as pending), and waiting out -torture.settle would only make a
// failing CI run slower.
const idleGiveUp = 5 * time.Second

// settle polls until the mirror equals the source, and returns the last
// difference (nil once equal) and why it stopped waiting.
func (r *tortureRun) settle() ([]string, string) {
	begin := time.Now()
	var idleSince time.Time
	for {
		diff, err := treecmp.Diff(r.src, r.mirror)
		if err == nil && len(diff) == 0 {
			r.settled = time.Since(begin)
			return nil, ""
		}
		if err != nil {
			diff = append(diff, err.Error())
		}
		switch _, idle := r.status(begin); {
		case !idle:
			idleSince = time.Time{}
		case idleSince.IsZero():
			idleSince = time.Now()
		case time.Since(idleSince) > idleGiveUp:
			return diff, fmt.Sprintf("luasync has been idle for %s", idleGiveUp)
		}
		if time.Since(begin) > *tortureSettle {
			return diff, fmt.Sprintf("%s passed", *tortureSettle)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitIdle waits until luasync has nothing pending and nothing in flight
// (a daemon with work left at SIGTERM would rightly put it in the fail
// log), for up to -torture.settle, and returns the last status report.
func (r *tortureRun) waitIdle() (string, bool) {
	begin := time.Now()
	for {
		report, idle := r.status(begin)
		if idle || time.Since(begin) > *tortureSettle {
			return report, idle
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// busy matches a target's queue in the status file.
var busy = regexp.MustCompile(`pending (\d+), in flight (\d+)`)

// status reads luasync's status file and reports whether every target is
// idle; a report written before since does not count.
func (r *tortureRun) status(since time.Time) (string, bool) {
	fi, err := os.Stat(r.path("status"))
	if err != nil || !fi.ModTime().After(since) {
		return "", false
	}
	b, err := os.ReadFile(r.path("status"))
	if err != nil {
		return "", false
	}
	counts := busy.FindAllStringSubmatch(string(b), -1)
	idle := len(counts) > 0
	for _, c := range counts {
		idle = idle && c[1] == "0" && c[2] == "0"
	}
	return string(b), idle
}

// fail ends the run with everything needed to understand and repeat it:
// the seed and config, the command, the op log's end, what differs, and
// the ends of luasync's log and fail log. The run's directory is kept.
func (r *tortureRun) fail(t *testing.T, what, detail string) {
	t.Helper()
	r.opLog.Flush()
	var b strings.Builder
	fmt.Fprintf(&b, "torture run %s failed: %s\n", r.name(), what)
	if detail != "" {
		fmt.Fprintf(&b, "%s\n", detail)
	}
	fmt.Fprintf(&b, "\nseed=%d sink=%s fs=%s writers=%d duration=%s settle=%s ops=%d%s\n",
		r.seed, r.sink, r.fs, *tortureWriters, *tortureDuration, *tortureSettle, r.opLog.Ops(), r.withoutNote())
	fmt.Fprintf(&b, "reproduce: go test ./cmd/luasync -run 'TestTorture/%s/%s/' -torture.seed=%d -torture.without=%q -torture.duration=%s -torture.writers=%d -v\n",
		r.sink, r.fs, r.seed, r.without, *tortureDuration, *tortureWriters)
	fmt.Fprintf(&b, "kept for inspection: %s (src, mirror, ops.log, luasync.log, luasync.lua)\n", r.dir)
	if cfg, err := os.ReadFile(r.cfg); err == nil {
		fmt.Fprintf(&b, "\nconfig:\n%s", cfg)
	}
	fmt.Fprintf(&b, "\nop log %s, last 40 lines:\n%s\n", r.path("ops.log"), strings.Join(r.opLog.Tail(40), "\n"))
	fmt.Fprintf(&b, "\nluasync log %s, last 40 lines:\n%s\n", r.path("luasync.log"), tailLines(r.path("luasync.log"), 40))
	if fl := tailLines(r.path("fail.log"), 20); fl != "" {
		fmt.Fprintf(&b, "\nfail log, last 20 lines:\n%s\n", fl)
	}
	t.Fatal(b.String())
}

func tailLines(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

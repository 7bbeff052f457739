// Command testplugin is the plugin that package pluginhost's tests run as
// a real subprocess. Its config says how to misbehave:
//
//	log          file to append each handled event to, one line each:
//	             pid, op, strconv-quoted path and from, and "again" if
//	             the event says it was sent before
//	calls        file to append a line per Handle call to: pid, the
//	             number of events, the calls in flight at its start
//	delay        how long each Handle call takes
//	hang         a path; the call holding it never returns...
//	hang_once    ...unless this file exists (made when it first hangs)
//	hang_child   when it hangs, it starts `sleep 600` and writes its pid
//	             here (the host must kill it too)
//	crash_after  exit with status 3 once this many events were handled
//	crash_if     exit with status 4 in Configure while this file exists
//	retry, fail  paths answered Retry or Fail
//	skip         paths left without a result
//	secret       ignored (the tests check that it is never logged)
//	call_timeout what Configure says a call may take
//
// Its Info comes from the environment: TESTPLUGIN_MAX_BATCH,
// TESTPLUGIN_MAX_IN_FLIGHT, TESTPLUGIN_ACCEPTS (comma-separated op names),
// TESTPLUGIN_NO_REPLAY (1: the plugin takes no replays).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/luasync/luasync/plugins/sdk"
)

type testPlugin struct {
	log, calls, hang, hangOnce string
	hangChild                  string
	delay                      time.Duration
	crashAfter                 int
	retry, fail, skip          []string

	mu       sync.Mutex // serialises writes to the files
	handled  atomic.Int64
	inFlight atomic.Int64
}

func main() { sdk.Serve(&testPlugin{}) }

func (p *testPlugin) Info() sdk.Info {
	info := sdk.Info{Name: "testplugin", Version: "1.0"}
	info.MaxBatch, _ = strconv.Atoi(os.Getenv("TESTPLUGIN_MAX_BATCH"))
	info.MaxInFlight, _ = strconv.Atoi(os.Getenv("TESTPLUGIN_MAX_IN_FLIGHT"))
	info.NoReplay = os.Getenv("TESTPLUGIN_NO_REPLAY") == "1"
	if s := os.Getenv("TESTPLUGIN_ACCEPTS"); s != "" {
		for name := range strings.SplitSeq(s, ",") {
			op, err := sdk.ParseOp(name)
			if err != nil {
				panic(err)
			}
			info.Accepts = append(info.Accepts, op)
		}
	}
	return info
}

func (p *testPlugin) Configure(_ context.Context, cfg *sdk.Config) error {
	p.log = cfg.String("log", "")
	p.calls = cfg.String("calls", "")
	p.delay = cfg.Duration("delay", 0)
	p.hang = cfg.String("hang", "")
	p.hangOnce = cfg.String("hang_once", "")
	p.hangChild = cfg.String("hang_child", "")
	p.crashAfter = cfg.Int("crash_after", 0, 0, 1<<30)
	p.retry, p.fail, p.skip = cfg.Strings("retry"), cfg.Strings("fail"), cfg.Strings("skip")
	cfg.String("secret", "")
	cfg.CallTimeout = cfg.Duration("call_timeout", 0)
	if f := cfg.String("crash_if", ""); f != "" {
		if _, err := os.Stat(f); err == nil {
			fmt.Fprintln(os.Stderr, "testplugin: crashing in Configure as told")
			os.Exit(4)
		}
	}
	if err := cfg.Err(); err != nil {
		return err
	}
	// One line through sdk.Log and one raw line on stderr: the host's
	// tests look for both in luasync's log.
	sdk.Log.Warn("testplugin configured", "pid", os.Getpid(), "check", cfg.Check)
	fmt.Fprintln(os.Stderr, "testplugin raw stderr line")
	return nil
}

func (p *testPlugin) Handle(ctx context.Context, events []sdk.Event) []sdk.Result {
	n := p.inFlight.Add(1)
	defer p.inFlight.Add(-1)
	p.appendLine(p.calls, fmt.Sprintf("%d %d %d", os.Getpid(), len(events), n))
	if p.delay > 0 {
		time.Sleep(p.delay)
	}
	out := make([]sdk.Result, 0, len(events))
	for _, ev := range events {
		if ev.Path == p.hang && p.hang != "" && p.hangs() {
			p.startChild()
			select {} // ignore ctx too: a real hang
		}
		line := fmt.Sprintf("%d %s %s %s", os.Getpid(), ev.Op, strconv.Quote(ev.Path), strconv.Quote(ev.From))
		if ev.Again {
			line += " again"
		}
		p.appendLine(p.log, line)
		if p.crashAfter > 0 && p.handled.Add(1) >= int64(p.crashAfter) {
			os.Exit(3)
		}
		switch {
		case slices.Contains(p.skip, ev.Path):
		case slices.Contains(p.retry, ev.Path):
			out = append(out, sdk.Again(ev, errors.New("told to retry "+ev.Path)))
		case slices.Contains(p.fail, ev.Path):
			out = append(out, sdk.Failed(ev, errors.New("told to fail "+ev.Path)))
		default:
			out = append(out, sdk.Done(ev))
		}
	}
	return out
}

// hangs says whether to hang now: always, or with hang_once only the
// first time.
func (p *testPlugin) hangs() bool {
	if p.hangOnce == "" {
		return true
	}
	f, err := os.OpenFile(p.hangOnce, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return false
	}
	f.Close()
	return true
}

func (p *testPlugin) startChild() {
	if p.hangChild == "" {
		return
	}
	cmd := exec.Command("sleep", "600")
	if err := cmd.Start(); err != nil {
		panic(err)
	}
	p.appendLine(p.hangChild, strconv.Itoa(cmd.Process.Pid))
}

func (p *testPlugin) appendLine(path, line string) {
	if path == "" {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		sdk.Log.Error("testplugin: open log", "err", err)
		return
	}
	defer f.Close()
	if _, err := f.WriteString(line + "\n"); err != nil {
		sdk.Log.Error("testplugin: write log", "err", err)
	}
}

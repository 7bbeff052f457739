package rsync_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/event"
	"github.com/luasync/luasync/runtime/rsync"
)

func TestExitClass(t *testing.T) {
	tests := []struct {
		code     int
		signaled bool
		want     rsync.Class
	}{
		{0, false, rsync.OK},
		{24, false, rsync.OK}, // vanished source files: complete by state
		{1, false, rsync.Fatal},
		{2, false, rsync.Fatal},
		{4, false, rsync.Fatal},
		{6, false, rsync.Fatal},
		{13, false, rsync.Fatal},
		{25, false, rsync.Fatal},
		{126, false, rsync.Fatal},
		{127, false, rsync.Fatal},
		{3, false, rsync.Retry},
		{5, false, rsync.Retry},
		{10, false, rsync.Retry},
		{11, false, rsync.Retry},
		{12, false, rsync.Retry},
		{14, false, rsync.Retry},
		{20, false, rsync.Retry},
		{22, false, rsync.Retry},
		{23, false, rsync.Retry}, // narrowed by Apply from stderr
		{30, false, rsync.Retry},
		{35, false, rsync.Retry},
		{124, false, rsync.Retry},
		{255, false, rsync.Retry},
		{99, false, rsync.Retry}, // unknown: retry, the budget ends in the fail log
		{-1, true, rsync.Retry},
		{0, true, rsync.Retry},
	}
	for _, tt := range tests {
		if got := rsync.ExitClass(tt.code, tt.signaled); got != tt.want {
			t.Errorf("ExitClass(%d, %v) = %v, want %v", tt.code, tt.signaled, got, tt.want)
		}
	}
}

// fakeRsync writes a script that stands in for rsync where only the exit
// status matters: it answers --version like rsync 3.5.0, drains stdin,
// and exits with the status written to its "code" file ("kill" kills
// itself with SIGKILL).
func fakeRsync(t *testing.T) (bin string, setCode func(string)) {
	t.Helper()
	dir := t.TempDir()
	bin = filepath.Join(dir, "rsync")
	codeFile := filepath.Join(dir, "code")
	script := fmt.Sprintf(`#!/bin/sh
if [ "$1" = --version ]; then echo "rsync  version 3.5.0  protocol version 32"; exit 0; fi
cat > /dev/null
code=$(cat '%s')
if [ "$code" = kill ]; then kill -KILL $$; fi
if [ "$code" = hang ]; then sleep 600; fi
echo "rsync error: fake failure (code $code)" >&2
exit "$code"
`, codeFile)
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin, func(code string) {
		if err := os.WriteFile(codeFile, []byte(code), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestExitCodes: how a run's exit status becomes every event's outcome,
// for a batch run and a rescan alike.
func TestExitCodes(t *testing.T) {
	bin, setCode := fakeRsync(t)
	src := t.TempDir()
	s, err := rsync.New(rsync.Options{Source: src, Target: mustTarget(t, "backup.example::www"), Binary: bin, Delete: true, FullDelete: true})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		code string
		want event.Outcome
	}{
		{"0", event.OK}, {"24", event.OK},
		{"1", event.Fail}, {"2", event.Fail}, {"4", event.Fail},
		{"3", event.Retry}, {"5", event.Retry}, {"10", event.Retry}, {"11", event.Retry}, {"12", event.Retry},
		{"23", event.Retry}, // nothing on stderr names a path: the whole run retries
		{"30", event.Retry}, {"35", event.Retry}, {"255", event.Retry}, {"99", event.Retry}, {"kill", event.Retry},
	}
	b := event.Batch{create("a"), modify("b"), del("c"), rescan("d")}
	for _, tt := range tests {
		setCode(tt.code)
		for _, r := range s.Apply(context.Background(), b) {
			if r.Outcome != tt.want {
				t.Errorf("exit %s: %v: %v (%v), want %v", tt.code, r.Event, r.Outcome, r.Err, tt.want)
			}
			if tt.want != event.OK && (r.Err == nil || !strings.Contains(r.Err.Error(), "rsync")) {
				t.Errorf("exit %s: %v: error %v does not say what failed", tt.code, r.Event, r.Err)
			}
		}
	}
}

// TestCancelled: a batch applied after its context ended, or cut short
// by it, is retried; the cancelled run's process is gone.
func TestCancelled(t *testing.T) {
	bin, setCode := fakeRsync(t)
	setCode("0")
	src := t.TempDir()
	s, err := rsync.New(rsync.Options{Source: src, Target: mustTarget(t, t.TempDir()), Binary: bin})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, r := range s.Apply(ctx, event.Batch{create("a"), rescan("")}) {
		if r.Outcome != event.Retry {
			t.Errorf("%v after cancel: %v, want retry", r.Event, r.Outcome)
		}
	}

	setCode("hang")
	ctx, cancel = context.WithCancel(context.Background())
	done := make(chan []event.Result)
	go func() { done <- s.Apply(ctx, event.Batch{create("a")}) }()
	time.Sleep(100 * time.Millisecond) // let the run start; it works either way
	cancel()
	select {
	case res := <-done:
		if res[0].Outcome != event.Retry || !errors.Is(res[0].Err, context.Canceled) {
			t.Errorf("cancelled run: %v (%v), want retry with context.Canceled", res[0].Outcome, res[0].Err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a cancelled run was not stopped")
	}
}

// TestSourceRacedIsRetried: exit 2 is a bad option or an incompatible
// rsync, except when the receiver aborts because a file came without its
// parent directory, which a source renamed under rsync causes.
func TestSourceRacedIsRetried(t *testing.T) {
	raced := "rsync: [sender] link_stat \"/src/a/b\" failed: Not a directory (20)\n" +
		"ABORTING due to invalid path from sender: a/c/d\n" +
		"rsync error: protocol incompatibility (code 2) at generator.c(1715) [generator=3.5.0]\n"
	if got := rsync.ClassOfRun(2, raced); got != rsync.Retry {
		t.Errorf("exit 2 after a source race: %v, want Retry", got)
	}
	if got := rsync.ClassOfRun(2, "protocol version mismatch -- is your shell clean?\n"); got != rsync.Fatal {
		t.Errorf("exit 2 for an incompatible rsync: %v, want Fatal", got)
	}
}

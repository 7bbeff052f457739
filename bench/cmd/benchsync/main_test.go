package main

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/luasync/luasync/bench/tool"
)

// The command line: defaults (three runs of each scenario, one for a
// smoke run), the quick stall limit, and refusals.
func TestParseFlags(t *testing.T) {
	tests := []struct {
		args    []string
		stall   time.Duration
		runs    int
		wantErr string
	}{
		{nil, time.Minute, 3, ""},
		{[]string{"-quick"}, 20 * time.Second, 1, ""},
		{[]string{"-quick", "-stall-timeout", "40s"}, 40 * time.Second, 1, ""},
		{[]string{"-quick", "-runs", "5"}, 20 * time.Second, 5, ""},
		{[]string{"-runs", "1"}, time.Minute, 1, ""},
		{[]string{"-runs", "-1"}, 0, 0, "want 1 or more"},
		{[]string{"-luasync-sink", "ssh"}, 0, 0, "want auto, rsync or direct"},
		{[]string{"extra"}, 0, 0, "unexpected arguments"},
	}
	for _, tt := range tests {
		o, err := parseFlags(tt.args, io.Discard)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("parseFlags(%q) = %v, want %q", tt.args, err, tt.wantErr)
			}
			continue
		}
		if err != nil || o.stallTimeout != tt.stall || o.runs != tt.runs {
			t.Errorf("parseFlags(%q) = stall %v, runs %d, %v; want %v, %d", tt.args, o.stallTimeout, o.runs, err, tt.stall, tt.runs)
		}
	}
}

func TestSelectTools(t *testing.T) {
	if got, err := selectTools("all"); err != nil || !slices.Equal(got, tool.All) {
		t.Errorf("selectTools(all) = %v, %v", got, err)
	}
	if got, err := selectTools("shell-loop, luasync"); err != nil || !slices.Equal(got, []string{tool.ShellLoop, tool.Luasync}) {
		t.Errorf("selectTools = %v, %v", got, err)
	}
	if _, err := selectTools("sersync"); err == nil {
		t.Error("selectTools(sersync) succeeded")
	}
}

// The wrapper directory goes first in PATH, whether or not PATH was set.
func TestWithPath(t *testing.T) {
	got := withPath([]string{"HOME=/root", "PATH=/usr/bin:/bin"}, "/run/bin")
	if !slices.Equal(got, []string{"HOME=/root", "PATH=/run/bin:/usr/bin:/bin"}) {
		t.Errorf("withPath = %q", got)
	}
	if got := withPath([]string{"HOME=/root"}, "/run/bin"); !slices.Contains(got, "PATH=/run/bin") {
		t.Errorf("withPath without PATH = %q", got)
	}
}

func TestOnlySubSecondMtimes(t *testing.T) {
	sub := `"a/f": mtime 2026-11-21T08:31:21.721903Z != 2026-11-21T08:31:21.7178Z`
	whole := `"a/g": mtime 2026-11-21T08:31:22.1Z != 2026-11-21T08:31:21.7Z`
	tests := []struct {
		diff []string
		want bool
	}{
		{[]string{sub}, true},
		{[]string{sub, whole}, false},
		{[]string{sub, `"b": missing in b`}, false},
		{nil, false},
	}
	for _, tt := range tests {
		if got := onlySubSecondMtimes(tt.diff); got != tt.want {
			t.Errorf("onlySubSecondMtimes(%q) = %v, want %v", tt.diff, got, tt.want)
		}
	}
}

// A second benchmark in the same work directory is refused, naming the
// first one's pid.
func TestLockWorkDir(t *testing.T) {
	dir := t.TempDir()
	f, err := lockWorkDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// flock locks belong to the open file description: a second open in
	// this same process conflicts just as another process would.
	_, err = lockWorkDir(dir)
	if err == nil || !strings.Contains(err.Error(), "in use by another benchsync") {
		t.Errorf("second lock = %v, want refused", err)
	}
}

// Each repeated run starts one tool later, so every tool goes first once
// in as many runs as there are tools.
func TestInTurn(t *testing.T) {
	tools := []string{"a", "b", "c"}
	for rep, want := range map[int][]string{1: {"a", "b", "c"}, 2: {"b", "c", "a"}, 3: {"c", "a", "b"}, 4: {"a", "b", "c"}} {
		if got := inTurn(tools, rep); !slices.Equal(got, want) {
			t.Errorf("inTurn(run %d) = %v, want %v", rep, got, want)
		}
	}
	if !slices.Equal(tools, []string{"a", "b", "c"}) {
		t.Errorf("inTurn changed its input: %v", tools)
	}
}

// The report names the work directory's file system: /dev/shm is tmpfs.
func TestCheckWorkDirNamesTmpfs(t *testing.T) {
	dir, err := os.MkdirTemp("/dev/shm", "benchsync-test-")
	if err != nil {
		t.Fatalf("make a directory on /dev/shm (the tmpfs the README's commands use): %v", err)
	}
	defer os.RemoveAll(dir)
	if got, err := checkWorkDir(dir); err != nil || got != "tmpfs" {
		t.Errorf("checkWorkDir(%s) = %q, %v; want tmpfs", dir, got, err)
	}
	if _, err := checkWorkDir(filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("checkWorkDir of a missing directory = %v, want an error naming it", err)
	}
}

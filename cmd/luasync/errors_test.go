package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadInput: each mistake is reported before anything runs, names what
// is wrong (file, line, key or path) and exits with status 2.
func TestBadInput(t *testing.T) {
	root := t.TempDir()
	src := filepath.Join(root, "src")
	must(t, os.Mkdir(src, 0o755))
	file := filepath.Join(root, "a-file")
	writeFile(t, file, "")
	cases := []struct {
		name   string
		config string // "" = no config file at all
		want   []string
	}{
		{"missing config", "", []string{"missing.lua", "no such file"}},
		{"lua syntax error", "settings {\n  logLevel = 'info',\n  oops oops\n}\n", []string{"bad.lua:3"}},
		{"unknown sync key", fmt.Sprintf("sync {\n  default.direct,\n  source = %q,\n  targte = %q,\n}\n", src, root+"/dst"),
			[]string{"bad.lua:4", "targte", "target"}},
		{"unknown settings key", "settings { inotfyMode = 'Modify' }\n", []string{"bad.lua:1", "inotfyMode", "inotifyMode"}},
		{"no sync at all", "settings { logLevel = 'info' }\n", []string{"bad.lua", "sync"}},
		{"missing source", fmt.Sprintf("\nsync { default.direct, source = %q, target = %q }\n", root+"/nope", root+"/dst"),
			[]string{"bad.lua:2", "source", root + "/nope"}},
		{"source is a file", fmt.Sprintf("sync { default.direct, source = %q, target = %q }\n", file, root+"/dst"),
			[]string{"bad.lua:1", "source", "not a directory"}},
		{"target inside source", fmt.Sprintf("sync { default.direct, source = %q, target = %q }\n", src, src+"/mirror"),
			[]string{"bad.lua:1", "target", "inside"}},
		{"wrong type", fmt.Sprintf("sync { default.direct, source = %q, target = %q, delay = 'soon' }\n", src, root+"/dst"),
			[]string{"bad.lua:1", "delay"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := filepath.Join(root, "missing.lua")
			if tc.config != "" {
				cfg = filepath.Join(t.TempDir(), "bad.lua")
				writeFile(t, cfg, tc.config)
			}
			for _, verb := range []string{"check", "run"} {
				out, code := runBinary(t, verb, cfg)
				if code != 2 {
					t.Errorf("luasync %s: exit status %d, want 2; output:\n%s", verb, code, out)
				}
				for _, w := range tc.want {
					if !strings.Contains(out, w) {
						t.Errorf("luasync %s: output does not mention %q:\n%s", verb, w, out)
					}
				}
				if strings.Count(strings.TrimSpace(out), "\n") > 3 {
					t.Errorf("luasync %s: a config error should be a short message, got:\n%s", verb, out)
				}
			}
			if _, err := os.Stat(filepath.Join(root, "dst")); !os.IsNotExist(err) {
				t.Errorf("a bad config created the target; nothing may run")
			}
		})
	}
}

// TestWatchLimitReached runs luasync in a user namespace whose inotify
// watch limit is 5 (a real kernel limit, not a test hook) on a tree of 50
// directories: it must stop with a message naming the sysctl and what to do.
func TestWatchLimitReached(t *testing.T) {
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Fatal("unshare is needed for this test: apt-get install -y util-linux")
	}
	src, _, cfg := mirrorDirs(t, "")
	tree(t, src, "dirs", 50, 0)
	script := fmt.Sprintf("echo 5 > /proc/sys/user/max_inotify_watches && exec %q run %q", binary, cfg)
	out, err := exec.Command("unshare", "-Ur", "sh", "-c", script).CombinedOutput()
	code := exitStatus(err)
	if code != 1 {
		t.Fatalf("exit status %d, want 1 (a runtime failure); output:\n%s", code, out)
	}
	for _, w := range []string{"user.max_inotify_watches", "allows 5", "about 52 directories", "sysctl"} {
		if !strings.Contains(string(out), w) {
			t.Errorf("watch limit message does not mention %q:\n%s", w, out)
		}
	}
}

func TestVersionAndUsage(t *testing.T) {
	if out, code := runBinary(t, "version"); code != 0 || !strings.HasPrefix(out, "luasync ") {
		t.Errorf("luasync version: status %d, output %q", code, out)
	}
	if out, code := runBinary(t); code != 2 || !strings.Contains(out, "usage:") {
		t.Errorf("luasync with no arguments: status %d, output %q; want 2 and usage", code, out)
	}
	if out, code := runBinary(t, "frobnicate"); code != 2 || !strings.Contains(out, "unknown command") {
		t.Errorf("luasync frobnicate: status %d, output %q", code, out)
	}
}

// TestCheckPrintsThePlan: check resolves defaults and relative paths and
// prints them, and changes nothing.
func TestCheckPrintsThePlan(t *testing.T) {
	dir := t.TempDir()
	must(t, os.Mkdir(filepath.Join(dir, "src"), 0o755))
	cfg := writeConfig(t, dir, `
settings { inotifyMode = "CloseWrite or Modify" }
sync { default.direct, source = "src", target = "dst", exclude = { "*.log", "/cache/" },
       filter = function(event) return not event.name:match("%.tmp$") end }
`)
	out, code := runBinary(t, "check", cfg)
	if code != 0 {
		t.Fatalf("check: status %d\n%s", code, out)
	}
	for _, w := range []string{filepath.Join(dir, "src"), filepath.Join(dir, "dst"), `"*.log"`, `"/cache/"`,
		"CloseWrite or Modify", "lua filter", "true", "config OK: 1 sync"} {
		if !strings.Contains(out, w) {
			t.Errorf("check output does not mention %q:\n%s", w, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "dst")); !os.IsNotExist(err) {
		t.Errorf("check created the target")
	}
}

func runBinary(t *testing.T, args ...string) (string, int) {
	t.Helper()
	out, err := exec.Command(binary, args...).CombinedOutput()
	return string(out), exitStatus(err)
}

func exitStatus(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}

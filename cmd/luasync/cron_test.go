package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// scheduledConfig writes a config that mirrors src to dst with the direct
// sink, without a startup sync, plus extra sync{} keys; the status file is
// rewritten every 0.1 s.
func scheduledConfig(t *testing.T, extra string) (src, dst, cfg, status string) {
	t.Helper()
	root := t.TempDir()
	src, dst, status = filepath.Join(root, "src"), filepath.Join(root, "dst"), filepath.Join(root, "status")
	must(t, os.Mkdir(src, 0o755))
	must(t, os.Mkdir(dst, 0o755))
	cfg = writeConfig(t, root, fmt.Sprintf(`
settings { failLog = %q, statusFile = %q, statusInterval = 0.1 }
sync { default.direct, name = "www", source = %q, target = %q, delay = 0.05, init = false,
	%s }
`, filepath.Join(root, "fail.log"), status, src, dst, extra))
	return src, dst, cfg, status
}

// writeTree writes files (relative path: content) under root.
func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for rel, content := range files {
		p := filepath.Join(root, rel)
		must(t, os.MkdirAll(filepath.Dir(p), 0o755))
		writeFile(t, p, content)
	}
}

// waitLogged waits until the output holds line at least n times.
func (p *proc) waitLogged(t *testing.T, line string, n int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d log lines %q", n, line), func() (bool, string) {
		out := p.out.String()
		return strings.Count(out, line) >= n, out
	})
}

// TestScheduledFullSync: with a schedule (luasync's fullsync, or lsyncd's
// six-field crontab), what changed on the target behind luasync's back
// (nothing watches the target) is put right by the next scheduled run,
// and the status file says when that is.
func TestScheduledFullSync(t *testing.T) {
	for _, tc := range []struct{ name, key, status string }{
		{"fullsync", `fullsync = { schedule = "@every 2s" }`, "(fullsync @every 2s)"},
		{"crontab", `crontab = { "*/2 * * * * *" }`, "(crontab */2 * * * * *)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src, dst, cfg, status := scheduledConfig(t, tc.key)
			files := map[string]string{"a": "a", "d/b": "b", "d/e/c": "c"}
			writeTree(t, src, files)
			writeTree(t, dst, files)
			p := startRunning(t, cfg)
			writeTree(t, dst, map[string]string{"a": "changed on the target", "stray": "x", "d/e/stray": "y"})
			must(t, os.Remove(filepath.Join(dst, "d/b")))
			waitIdentical(t, src, dst)
			p.waitLogged(t, "scheduled full sync complete", 1) // the run that repaired it (logged once it returns)
			waitFor(t, "the status file to show the next scheduled run", func() (bool, string) {
				b, _ := os.ReadFile(status)
				return strings.Contains(string(b), "    next full sync 2") && strings.Contains(string(b), tc.status), string(b)
			})
			if code, _ := p.stop(t, syscall.SIGTERM); code != 0 {
				t.Fatalf("exit %d", code)
			}
		})
	}
}

// TestScheduledFullSyncExclude: fullsync's own excludes apply to the
// scheduled run alone: what they match is neither copied nor deleted by
// it, while everything else is put right, and live changes there still
// reach the mirror.
func TestScheduledFullSyncExclude(t *testing.T) {
	src, dst, cfg, _ := scheduledConfig(t, `fullsync = { schedule = "@every 2s", exclude = { "/keep/", "*.iso" } }`)
	writeTree(t, src, map[string]string{"a": "a", "keep/new": "not copied by it", "keep/changed": "source",
		"d/disk.iso": "not copied by it"})
	writeTree(t, dst, map[string]string{"keep/changed": "the target's own", "keep/target-only": "kept",
		"d/old.iso": "kept", "stray": "deleted", "d/stray": "deleted"})
	p := startRunning(t, cfg)
	p.waitLogged(t, "scheduled full sync complete", 1)
	want := map[string]string{"a": "a", "keep/changed": "the target's own", "keep/target-only": "kept", "d/old.iso": "kept"}
	for rel, content := range want {
		if b, err := os.ReadFile(filepath.Join(dst, rel)); err != nil || string(b) != content {
			t.Errorf("%s on the target: %q, %v; want %q", rel, b, err, content)
		}
	}
	for _, rel := range []string{"stray", "d/stray", "keep/new", "d/disk.iso"} {
		if _, err := os.Lstat(filepath.Join(dst, rel)); err == nil {
			t.Errorf("%s is on the target after the scheduled run", rel)
		}
	}
	// Live changes below the excluded paths are mirrored as ever.
	writeFile(t, filepath.Join(src, "keep/live"), "live")
	must(t, os.Remove(filepath.Join(src, "keep/changed")))
	waitFor(t, "live changes in keep/ to reach the target", func() (bool, string) {
		b, err := os.ReadFile(filepath.Join(dst, "keep/live"))
		_, gone := os.Lstat(filepath.Join(dst, "keep/changed"))
		return err == nil && string(b) == "live" && gone != nil, p.out.String()
	})
	if code, _ := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}
}

// TestScheduledFullSyncSkipsWhileRunning: a scheduled run that falls due
// while a full sync of the target is still going is skipped and logged,
// never stacked. A filter function that spends 0.5 s of CPU per file makes
// each full sync of ten files take 5 s or more (2.5 s should the process's
// other threads double its CPU clock); the schedule says every 2 s.
func TestScheduledFullSyncSkipsWhileRunning(t *testing.T) {
	src, dst, cfg, _ := scheduledConfig(t, `fullsync = { schedule = "@every 2s" },
	filter = function(event)
		if event.basename:match("^slow") then
			local start = os.clock()
			while os.clock() - start < 0.5 do end
		end
		return true
	end,`)
	for i := range 10 {
		writeFile(t, filepath.Join(src, fmt.Sprintf("slow%d", i)), "x")
	}
	p := startRunning(t, cfg)
	p.waitLogged(t, "scheduled full sync complete", 1)
	out := p.out.String()
	if !strings.Contains(out, `msg="scheduled full sync skipped: a full sync of this target is still pending or running" sink="www -> `+dst+`" fullsync="@every 2s"`) {
		t.Errorf("no skipped run logged with its sink and spec:\n%s", out)
	}
	waitIdentical(t, src, dst)
	if code, _ := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}
}

// TestBadSchedules: a bad spec is a config error naming the file, the line
// and the key, before anything runs.
func TestBadSchedules(t *testing.T) {
	root := t.TempDir()
	src := filepath.Join(root, "src")
	must(t, os.Mkdir(src, 0o755))
	sync := fmt.Sprintf("settings { logLevel = 'info' }\nsync { default.direct, source = %q, target = %q,\n", src, filepath.Join(root, "dst"))
	for _, tc := range []struct{ key, want string }{
		{`crontab = { "0 3 * * *" }`, `bad.lua:3: sync{} key "crontab": entry #1: "0 3 * * *" has five fields; lsyncd's crontab takes six, seconds first`},
		{`fullsync = { schedule = "0 25 * * *" }`, `bad.lua:3: sync{} key "fullsync": schedule: "0 25 * * *": end of range (25) above maximum (23)`},
		{`fullsync = { schedule = "@daily", exclude = { "[x" } }`, `bad.lua:3: sync{} key "fullsync": exclude pattern "[x": unterminated [`},
	} {
		cfg := filepath.Join(t.TempDir(), "bad.lua")
		writeFile(t, cfg, sync+tc.key+" }\n")
		for _, verb := range []string{"check", "run"} {
			out, code := runBinary(t, verb, cfg)
			if code != 2 || !strings.Contains(out, tc.want) {
				t.Errorf("luasync %s with %s: exit %d, output:\n%s\nwant exit 2 and %q", verb, tc.key, code, out, tc.want)
			}
		}
	}
}

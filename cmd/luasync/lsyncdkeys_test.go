package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/luasync/luasync/runtime/rsync/rsynctest"
)

// TestDeleteStartupAndRunning: lsyncd's delete = "startup" deletes only in
// the startup full sync, "running" only while running, with the direct
// sink and with rsync. An extra file on the mirror goes (or stays) at
// startup; a file deleted from the source while luasync runs goes (or
// stays); a restart's full sync then deletes what "startup" kept.
func TestDeleteStartupAndRunning(t *testing.T) {
	rsynctest.Require(t, "rsync", "apt-get install -y rsync")
	for _, kind := range []string{"direct", "rsync"} {
		for _, mode := range []string{"startup", "running"} {
			t.Run(kind+"/"+mode, func(t *testing.T) {
				t.Parallel()
				root := t.TempDir()
				src, dst := filepath.Join(root, "src"), filepath.Join(root, "dst")
				must(t, os.MkdirAll(src, 0o755))
				must(t, os.MkdirAll(dst, 0o755))
				writeFile(t, filepath.Join(src, "keep"), "k")
				writeFile(t, filepath.Join(src, "gone"), "g")
				writeFile(t, filepath.Join(dst, "stray"), "only on the mirror")
				cfg := writeConfig(t, root, fmt.Sprintf(`
settings { logLevel = "debug", failLog = %q, shutdownGrace = 3 }
sync { default.%s, source = %q, target = %q, delay = 0.05, delete = %q }
`, filepath.Join(root, "fail.log"), kind, src, dst, mode))
				startup, running := mode == "startup", mode == "running"

				p := startRunning(t, cfg)
				p.waitLog(t, "the startup sync", "full sync complete", 1)
				onMirror(t, dst, "keep", true)
				onMirror(t, dst, "gone", true)
				onMirror(t, dst, "stray", !startup)
				must(t, os.Remove(filepath.Join(src, "gone")))
				p.waitLog(t, "the delete to be applied", `msg=applied .*`+regexp.QuoteMeta(`event="Delete file \"gone\""`), 1)
				onMirror(t, dst, "gone", !running)
				if code, _ := p.stop(t, syscall.SIGTERM); code != 0 {
					t.Fatalf("exit status %d, want 0", code)
				}

				p = startRunning(t, cfg)
				p.waitLog(t, "the startup sync after the restart", "full sync complete", 1)
				onMirror(t, dst, "gone", false)
				onMirror(t, dst, "stray", !startup)
				if code, _ := p.stop(t, syscall.SIGTERM); code != 0 {
					t.Fatalf("exit status %d, want 0", code)
				}
			})
		}
	}
}

// TestExitCodeDieStopsOneTarget: rsyncExitCodes = { [5] = "die" } and a
// daemon that refuses the password (exit 5): that target stops, loudly and
// naming the line of the table; its events go to the fail log; the other
// target of the sync and another sync go on; the status file says it
// stopped; luasync exits 0 on SIGTERM.
func TestExitCodeDieStopsOneTarget(t *testing.T) {
	root := t.TempDir()
	src, local := filepath.Join(root, "src"), filepath.Join(root, "local")
	src2, dst2 := filepath.Join(root, "src2"), filepath.Join(root, "dst2")
	must(t, os.Mkdir(src, 0o755))
	must(t, os.Mkdir(src2, 0o755))
	d := rsynctest.StartDaemon(t, rsynctest.DaemonOptions{})
	wrong := filepath.Join(root, "wrong.secret")
	must(t, os.WriteFile(wrong, []byte("not-the-password\n"), 0o600))
	status, fails := filepath.Join(root, "status.txt"), filepath.Join(root, "fail.log")
	cfg := writeConfig(t, root, fmt.Sprintf(`settings { failLog = %q, statusFile = %q, statusInterval = 0.1 }
sync { default.rsync, name = "www", source = %q, delay = 0.05,
	targets = { %q, %q },
	rsync = { password_file = %q },
	rsyncExitCodes = { [0] = "ok", [5] = "die" },
}
sync { default.direct, source = %q, target = %q, delay = 0.05 }
`, fails, status, src, d.Target(""), local, wrong, src2, dst2))
	writeFile(t, filepath.Join(src, "before"), "b")
	p := startRunning(t, cfg)
	p.waitLog(t, "the daemon target to stop", "TARGET STOPPED", 1)
	log := p.out.String()
	for _, want := range []string{"exit 5", `rsyncExitCodes (` + cfg + `:5) says \"die\" for exit 5`} {
		if !strings.Contains(log, want) {
			t.Errorf("the stop's log does not mention %q:\n%s", want, log)
		}
	}
	writeFile(t, filepath.Join(src, "after"), "a")
	writeFile(t, filepath.Join(src2, "other"), "o")
	waitIdentical(t, src, local)
	waitIdentical(t, src2, dst2)
	waitFor(t, "the status file to show the stop", func() (bool, string) {
		b, _ := os.ReadFile(status)
		return strings.Contains(string(b), "STOPPED until luasync restarts: rsync: exit 5"), string(b)
	})
	waitFor(t, "the later event in the fail log", func() (bool, string) {
		b, _ := os.ReadFile(fails)
		return strings.Contains(string(b), `"path":"after"`), string(b)
	})
	if code, _ := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit status %d, want 0", code)
	}
	b, err := os.ReadFile(fails)
	must(t, err)
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if !strings.Contains(line, `rsync:rsync://luasync@`) {
			t.Errorf("fail log entry for another target: %s", line)
		}
	}
}

// waitLog waits until luasync's output has n lines matching the regular
// expression re.
func (p *proc) waitLog(t *testing.T, what, re string, n int) {
	t.Helper()
	waitFor(t, what, func() (bool, string) {
		out := p.out.String()
		return countMatches(out, re) >= n, lastLines(out, 30)
	})
}

func countMatches(s, re string) int {
	return len(regexp.MustCompile(re).FindAllStringIndex(s, -1))
}

func onMirror(t *testing.T, dst, rel string, want bool) {
	t.Helper()
	_, err := os.Lstat(filepath.Join(dst, rel))
	if got := err == nil; got != want {
		t.Errorf("%s on the mirror: %v, want %v", rel, got, want)
	}
}

// TestExampleLsyncdKeys runs examples/lsyncd-keys.lua: the filterFrom
// rules decide what reaches the archive, the startup sync deletes an extra
// there, a delete while running is not mirrored, and the next start's
// sync mirrors it.
func TestExampleLsyncdKeys(t *testing.T) {
	dir := exampleCopy(t)
	src, archive := filepath.Join(dir, "demo/source"), filepath.Join(dir, "demo/archive")
	must(t, os.MkdirAll(filepath.Join(archive, "site"), 0o755))
	writeFile(t, filepath.Join(archive, "site/stray.css"), "only in the archive")
	cfg := filepath.Join(dir, "lsyncd-keys.lua")
	p := startRunning(t, cfg)
	p.waitLog(t, "the startup sync", "full sync complete", 1)
	onMirror(t, archive, "site/css/style.css", true)
	onMirror(t, archive, "uploads/README.txt", true)
	onMirror(t, archive, "index.html", false)
	onMirror(t, archive, "site/stray.css", false)
	must(t, os.Remove(filepath.Join(src, "site/css/style.css")))
	writeFile(t, filepath.Join(src, "uploads/video.part"), "half an upload")
	writeFile(t, filepath.Join(src, "uploads/new.txt"), "new")
	waitFor(t, "the new upload in the archive", func() (bool, string) {
		_, err := os.Stat(filepath.Join(archive, "uploads/new.txt"))
		return err == nil, lastLines(p.out.String(), 20)
	})
	if code, _ := p.stop(t, syscall.SIGTERM); code != 0 { // drains: the delete was applied, as a no-op
		t.Fatalf("exit status %d, want 0", code)
	}
	onMirror(t, archive, "site/css/style.css", true)
	onMirror(t, archive, "uploads/video.part", false)

	p = startRunning(t, cfg)
	p.waitLog(t, "the next startup sync", "full sync complete", 1)
	onMirror(t, archive, "site/css/style.css", false)
	if code, _ := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit status %d, want 0", code)
	}
}

package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/luasync/luasync/runtime/rsync/rsynctest"
)

// TestPidfile: settings.pidfile holds the PID while luasync runs and is
// locked: a second luasync on the same pidfile does not start and names
// the first one's PID (status 1 for run, 255 under lsyncd's command line,
// -pidfile included); at exit the file is removed.
func TestPidfile(t *testing.T) {
	dir, src, dst := lsyncdDirs(t)
	pidPath := filepath.Join(dir, "run", "lsyncd.pid")
	must(t, os.Mkdir(filepath.Dir(pidPath), 0o755))
	cfg := writeConfig(t, dir, fmt.Sprintf(`
settings { pidfile = %q, failLog = %q }
sync { default.direct, source = %q, target = %q }
`, pidPath, filepath.Join(dir, "fail.log"), src, dst))
	p := startRunning(t, cfg)
	pid := strconv.Itoa(p.cmd.Process.Pid)
	if b, err := os.ReadFile(pidPath); err != nil || string(b) != pid+"\n" {
		t.Fatalf("pidfile holds %q (%v), want %q", b, err, pid+"\n")
	}
	other := filepath.Join(dir, "other")
	must(t, os.Mkdir(other, 0o755))
	for _, tt := range []struct {
		name string
		args []string
		code int
	}{
		{"run", []string{"run", cfg}, 1},
		{"lsyncd", []string{"lsyncd", cfg}, 255},
		{"lsyncd -pidfile", []string{"lsyncd", "-nodaemon", "-pidfile", pidPath, "-direct", src, other}, 255},
	} {
		out, code := runBinary(t, tt.args...)
		want := "pidfile " + pidPath + ": held by another running process (pid " + pid + ")"
		if code != tt.code || !strings.Contains(out, want) {
			t.Errorf("%s: status %d, want %d and %q; output:\n%s", tt.name, code, tt.code, want, out)
		}
	}
	if code, _ := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("run: exit status after SIGTERM = %d, want 0", code)
	}
	if _, err := os.Stat(pidPath); !os.IsNotExist(err) {
		t.Fatalf("pidfile left behind at exit: %v", err)
	}
}

// TestOnePass: onepass runs the startup sync and exits: 0 when it
// completed; when a target cannot be reached, 1 from run and 255 from
// lsyncd's command line, at once unless insist asks to retry.
func TestOnePass(t *testing.T) {
	rsynctest.Require(t, "rsync", "apt-get install -y rsync")
	dir, src, dst := lsyncdDirs(t)
	b, err := lsyncdCommand(t, dir, "-onepass", "-nodaemon", "-direct", src, dst).CombinedOutput()
	if code := exitStatus(err); code != 0 || !strings.Contains(string(b), "onepass active and all syncs finished") {
		t.Fatalf("lsyncd -onepass: status %d, want 0; output:\n%s", code, b)
	}
	waitIdentical(t, src, dst) // already identical: the wait ends at once

	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	down := fmt.Sprintf("rsync://127.0.0.1:%d/mirror", l.Addr().(*net.TCPAddr).Port)
	l.Close()
	dst2 := filepath.Join(dir, "trg2")
	cfg := writeConfig(t, dir, fmt.Sprintf(`
settings { onepass = true, failLog = %q }
sync { default.rsync, source = %q, targets = { %q, %q } }
`, filepath.Join(dir, "fail.log"), src, dst2, down))
	out, code := runBinary(t, "run", cfg)
	if code != 1 || !strings.Contains(out, "full sync failed") {
		t.Errorf("run with onepass, one target down: status %d, want 1; output:\n%s", code, out)
	}
	waitIdentical(t, src, dst2) // the target that is up got its sync
	out, code = runBinary(t, "lsyncd", "-nodaemon", cfg)
	if code != 255 {
		t.Errorf("lsyncd with onepass, one target down: status %d, want 255; output:\n%s", code, out)
	}
	p := start(t, "lsyncd", "-nodaemon", "-insist", cfg)
	waitFor(t, "the full sync to be retried", func() (bool, string) {
		return strings.Contains(p.out.String(), "retrying since insist is set"), p.out.String()
	})
	if code, _ := p.stop(t, syscall.SIGTERM); code != 143 {
		t.Errorf("lsyncd -onepass -insist stopped by SIGTERM: status %d, want 143", code)
	}
}

// TestLsyncdReload: SIGHUP reloads the config, as lsyncd does: a sync
// added meanwhile starts; a config that no longer loads is reported and the
// running one kept.
func TestLsyncdReload(t *testing.T) {
	dir, src, dst := lsyncdDirs(t)
	dst2 := filepath.Join(dir, "trg2")
	sync1 := fmt.Sprintf("settings { nodaemon = true, failLog = %q }\nsync { default.direct, source = %q, target = %q }\n",
		filepath.Join(dir, "fail.log"), src, dst)
	cfg := writeConfig(t, dir, sync1)
	p := startCommand(t, lsyncdCommand(t, dir, cfg))
	p.waitRunning(t)
	writeConfig(t, dir, sync1+fmt.Sprintf("sync { default.direct, source = %q, target = %q }\n", src, dst2))
	must(t, p.cmd.Process.Signal(syscall.SIGHUP))
	waitIdentical(t, src, dst2)
	writeConfig(t, dir, sync1+"sync {")
	must(t, p.cmd.Process.Signal(syscall.SIGHUP))
	waitFor(t, "the broken config to be reported", func() (bool, string) {
		return strings.Contains(p.out.String(), "the config does not load; keeping the one running"), p.out.String()
	})
	writeFile(t, filepath.Join(src, "after"), "still mirrored by the config that runs")
	waitIdentical(t, src, dst)
	waitIdentical(t, src, dst2)
	if code, _ := p.stop(t, syscall.SIGTERM); code != 143 {
		t.Fatalf("exit status after SIGTERM = %d, want 143", code)
	}
	if n := strings.Count(p.out.String(), "--- Startup ---"); n != 2 {
		t.Errorf("%d startups, want 2 (one reload)", n)
	}
}

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/direct/treecmp"
	"github.com/luasync/luasync/runtime/rsync/rsynctest"
)

// rsyncTargets starts a real rsync daemon (with auth) and a real sshd on
// 127.0.0.1, and returns a sync{} body that mirrors src to both and to a
// local directory, plus the three target directories to compare.
func rsyncTargets(t *testing.T, src string, extra string) (body string, dirs []string) {
	t.Helper()
	d := rsynctest.StartDaemon(t, rsynctest.DaemonOptions{})
	ssh := rsynctest.StartSSHD(t)
	sshDir, localDir := filepath.Join(t.TempDir(), "ssh-mirror"), filepath.Join(t.TempDir(), "local-mirror")
	must(t, os.Mkdir(sshDir, 0o755))
	body = fmt.Sprintf(`
sync { default.rsync, source = %q, delay = 0.05, %s
       targets = { %q, %q, %q },
       rsync = { password_file = %q },
       ssh = %s }
`, src, extra, d.Target(""), ssh.Target(sshDir), localDir, d.PasswordFile, sshTable(ssh))
	return body, []string{d.Dir, sshDir, localDir}
}

// sshTable is the ssh{} table that reaches the test's sshd: its port, the
// client key and the options that skip host key checks.
func sshTable(ssh *rsynctest.SSHD) string {
	var opts []string
	for _, o := range ssh.Options {
		k, v, _ := strings.Cut(o, "=")
		opts = append(opts, fmt.Sprintf("%s = %q", k, v))
	}
	sort.Strings(opts)
	return fmt.Sprintf("{ port = %d, identityFile = %q, options = { %s } }", ssh.Port, ssh.IdentityFile, strings.Join(opts, ", "))
}

func rsyncConfig(t *testing.T, extra string) (src string, dirs []string, cfg string) {
	t.Helper()
	root := t.TempDir()
	src = filepath.Join(root, "src")
	must(t, os.Mkdir(src, 0o755))
	body, dirs := rsyncTargets(t, src, extra)
	cfg = writeConfig(t, root, fmt.Sprintf("settings { logLevel = \"debug\", failLog = %q, shutdownGrace = 3 }\n%s",
		filepath.Join(root, "fail.log"), body))
	return src, dirs, cfg
}

// TestRsyncTargets: one sync{} with three targets (an rsync daemon with
// auth, a host over ssh, a local path): the startup sync, a mixed workload
// and the odd file names end identical on every target.
func TestRsyncTargets(t *testing.T) {
	src, dirs, cfg := rsyncConfig(t, "")
	tree(t, src, "pre", 5, 20)
	p := startRunning(t, cfg)
	for _, d := range dirs {
		waitIdentical(t, src, d)
	}
	writeFile(t, filepath.Join(src, "new.txt"), "new")
	must(t, os.Rename(filepath.Join(src, "pre/d0"), filepath.Join(src, "pre/d0-renamed")))
	must(t, os.RemoveAll(filepath.Join(src, "pre/d1")))
	must(t, os.Chmod(filepath.Join(src, "pre/d2/f0"), 0o600))
	appendFile(t, filepath.Join(src, "pre/d3/f1"), " appended")
	must(t, os.Rename(filepath.Join(src, "pre/d4/f0"), filepath.Join(src, "pre/d4/f0-moved")))
	must(t, os.MkdirAll(filepath.Join(src, "x/y/z"), 0o755))
	writeFile(t, filepath.Join(src, "x/y/z/deep"), "deep")
	for i, n := range oddNames {
		writeFile(t, filepath.Join(src, n), fmt.Sprintf("odd %d", i))
	}
	for _, d := range dirs {
		waitIdentical(t, src, d)
	}
	// The ssh target's runs share one connection; luasync stops it at exit.
	shared := regexp.MustCompile(`shared connection up.* socket=(\S+)`)
	waitFor(t, "the shared ssh connection", func() (bool, string) {
		return shared.MatchString(p.out.String()), p.out.String()
	})
	sock := shared.FindStringSubmatch(p.out.String())[1]
	if code, _ := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit status = %d, want 0", code)
	}
	if _, err := os.Lstat(sock); !os.IsNotExist(err) {
		t.Errorf("control socket %s after luasync exited: %v, want it removed with its master", sock, err)
	}
}

// TestRsyncTargetDownCatchesUp: the rsync daemon is down for 20 s during a
// steady load. The other targets keep up meanwhile; once the daemon is back
// its mirror catches up (retries, then the recovery full sync) with nothing
// missing, and no restart.
func TestRsyncTargetDownCatchesUp(t *testing.T) {
	root := t.TempDir()
	src, local := filepath.Join(root, "src"), filepath.Join(root, "local")
	must(t, os.Mkdir(src, 0o755))
	d := rsynctest.StartDaemon(t, rsynctest.DaemonOptions{})
	cfg := writeConfig(t, root, fmt.Sprintf(`
settings { failLog = %q }
sync { default.rsync, source = %q, targets = { %q, %q }, delay = 0.05,
       rsync = { password_file = %q, timeout = 5 }, retry = { attempts = 3, initial = 1, max = 4 } }
`, filepath.Join(root, "fail.log"), src, d.Target(""), local, d.PasswordFile))
	p := startRunning(t, cfg)
	waitIdentical(t, src, d.Dir)
	d.Stop()
	outage := time.Now()
	for i := 0; time.Since(outage) < 20*time.Second; i++ {
		writeFile(t, filepath.Join(src, fmt.Sprintf("f%04d", i)), strings.Repeat("x", i))
		if i%50 == 49 { // the healthy target keeps up during the outage
			waitIdentical(t, src, local)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if diff, _ := treecmp.Diff(src, d.Dir); len(diff) == 0 {
		t.Fatal("the stopped daemon's mirror matches the source: the outage did not happen")
	}
	d.Start()
	waitIdentical(t, src, d.Dir)
	waitIdentical(t, src, local)
	if code, _ := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit status = %d, want 0", code)
	}
}

// TestSyncVerb: `luasync sync CONFIG` makes every target identical once
// (deleting what the source lacks) and exits 0; with a target down it
// exits 1 and says which.
func TestSyncVerb(t *testing.T) {
	src, dirs, cfg := rsyncConfig(t, "")
	tree(t, src, "pre", 3, 10)
	for _, d := range dirs {
		must(t, os.MkdirAll(d, 0o755))
		writeFile(t, filepath.Join(d, "extra-on-target"), "the full sync deletes this")
	}
	if out, code := runBinary(t, "sync", cfg); code != 0 {
		t.Fatalf("luasync sync: status %d\n%s", code, out)
	}
	for _, d := range dirs {
		if diff, err := treecmp.Diff(src, d); err != nil || len(diff) > 0 {
			t.Errorf("after luasync sync, %s differs: %v %v", d, err, head(diff, 10))
		}
	}
	root := t.TempDir()
	bad := writeConfig(t, root, fmt.Sprintf(`settings { failLog = %q }
sync { default.rsync, source = %q, target = "rsync://nobody@127.0.0.1:1/mod", rsync = { timeout = 2 } }`,
		filepath.Join(root, "fail.log"), src))
	out, code := runBinary(t, "sync", bad)
	if code != 1 || !strings.Contains(out, "127.0.0.1:1") || !strings.Contains(out, "listening on that port") {
		t.Fatalf("luasync sync to a closed port: status %d, want 1 naming the target\n%s", code, out)
	}
}

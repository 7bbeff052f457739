package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/luasync/luasync/runtime/direct/treecmp"
	"github.com/luasync/luasync/runtime/rsync/rsynctest"
)

// tunnelSetup is a sync whose target is a real rsync daemon (with auth)
// reached only through a pool-mode tunnel of two real ssh port forwards
// to a real sshd, all on 127.0.0.1; a process is ready once rsync lists
// the daemon's modules through it.
type tunnelSetup struct {
	src, mirror, status, failLog, cfg string
}

func newTunnelSetup(t *testing.T, tunnelKeys string) *tunnelSetup {
	t.Helper()
	d := rsynctest.StartDaemon(t, rsynctest.DaemonOptions{})
	ssh := rsynctest.StartSSHD(t)
	root := t.TempDir()
	s := &tunnelSetup{src: filepath.Join(root, "src"), mirror: d.Dir, status: filepath.Join(root, "status.txt"),
		failLog: filepath.Join(root, "fail.log")}
	must(t, os.Mkdir(s.src, 0o755))
	command := []string{"ssh", "-N", "-o", "BatchMode=yes", "-o", "ExitOnForwardFailure=yes"}
	command = append(command, ssh.Args()...)
	command = append(command, "-L", "127.0.0.1:^localport:127.0.0.1:"+strconv.Itoa(d.Port), ssh.User+"@"+ssh.Host)
	s.cfg = writeConfig(t, root, fmt.Sprintf(`
settings { logLevel = "debug", failLog = %q, statusFile = %q, statusInterval = 0.1, shutdownGrace = 3 }
local forward = tunnel {
    command = %s,
    mode = "pool", parallel = 2, localhost = "127.0.0.1",
    -- ready once the daemon answers through the forward: ssh takes a
    -- while to bind its port on a busy machine
    checkCommand = { "rsync", "--contimeout=10", "rsync://^localhost:^localport/" },
    readyDelay = 0.2, checkMaxFailed = 60,
    %s
}
sync { default.rsync, source = %q, delay = 0.05, maxProcesses = 4,
       target = "rsync://%s@^localhost:^localport/%s",
       rsync = { password_file = %q, timeout = 10 },
       retry = { attempts = 3, initial = 0.2, max = 0.2 },
       tunnel = forward }
`, s.failLog, s.status, luaList(command), tunnelKeys, s.src, d.User, d.Module, d.PasswordFile))
	return s
}

func luaList(s []string) string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = strconv.Quote(v)
	}
	return "{ " + strings.Join(q, ", ") + " }"
}

var statusProcess = regexp.MustCompile(`process (\d): pid (\d+), port (\d+), ready`)

// readyProcesses waits until the status file shows the tunnel up with
// both processes ready and none of the pids in old, and returns their
// pids and ports.
func (s *tunnelSetup) readyProcesses(t *testing.T, old ...int) (pids, ports []int) {
	t.Helper()
	waitFor(t, "both tunnel processes to be ready", func() (bool, string) {
		b, _ := os.ReadFile(s.status)
		pids, ports = nil, nil
		for _, m := range statusProcess.FindAllStringSubmatch(string(b), -1) {
			pid, _ := strconv.Atoi(m[2])
			port, _ := strconv.Atoi(m[3])
			if slices.Contains(old, pid) {
				return false, string(b)
			}
			pids, ports = append(pids, pid), append(ports, port)
		}
		return strings.Contains(string(b), "(pool mode): up") && len(pids) == 2, string(b)
	})
	return pids, ports
}

// TestTunnelPool: lsyncd 2.3's tunnel{} in pool mode, through the real
// binary: the startup sync and live changes reach the daemon through both
// ssh forwards (each rsync run gets one of them, round robin); a killed
// forward is started again while the other carries on; with both killed,
// changes wait (no retries spent, nothing in the fail log) and are applied
// once the tunnel is back.
func TestTunnelPool(t *testing.T) {
	s := newTunnelSetup(t, "retryDelay = 3,")
	tree(t, s.src, "pre", 3, 10)
	p := startRunning(t, s.cfg)
	waitIdentical(t, s.src, s.mirror)
	pids, ports := s.readyProcesses(t)

	// Batch after batch: they take the two forwards in turn.
	for i := range 6 {
		dir := filepath.Join(s.src, fmt.Sprintf("live%d", i))
		must(t, os.MkdirAll(dir, 0o755))
		writeFile(t, filepath.Join(dir, "f"), "live")
		waitIdentical(t, s.src, s.mirror)
	}
	used := regexp.MustCompile(`rsync://[^ \]]*@127\.0\.0\.1:(\d+)/`)
	waitFor(t, "rsync runs through both tunnel processes", func() (bool, string) {
		seen := map[string]bool{}
		for _, m := range used.FindAllStringSubmatch(p.out.String(), -1) {
			seen[m[1]] = true
		}
		return seen[strconv.Itoa(ports[0])] && seen[strconv.Itoa(ports[1])], fmt.Sprintf("ports %v, runs went to %v", ports, seen)
	})

	// One forward dies: the other carries on, and it is started again.
	must(t, syscall.Kill(pids[0], syscall.SIGKILL))
	writeFile(t, filepath.Join(s.src, "after-one-died"), "x")
	waitIdentical(t, s.src, s.mirror)
	pids, _ = s.readyProcesses(t, pids[0])

	// Both die: the tunnel is down; changes wait for it, then go.
	for _, pid := range pids {
		must(t, syscall.Kill(pid, syscall.SIGKILL))
	}
	waitFor(t, "the tunnel to be down", func() (bool, string) {
		b, _ := os.ReadFile(s.status)
		return strings.Contains(string(b), "(pool mode): down"), string(b)
	})
	must(t, os.MkdirAll(filepath.Join(s.src, "while/down"), 0o755))
	writeFile(t, filepath.Join(s.src, "while/down/f"), "made while the tunnel was down")
	must(t, os.RemoveAll(filepath.Join(s.src, "pre/d0")))
	waitIdentical(t, s.src, s.mirror)
	last, _ := s.readyProcesses(t, pids...)

	if code, _ := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit status = %d, want 0", code)
	}
	status, _ := os.ReadFile(s.status)
	if !strings.Contains(string(status), "failed 0 ") || !strings.Contains(string(status), "(pool mode): down") {
		t.Errorf("final status: want no failed events and the tunnel stopped:\n%s", status)
	}
	if b, _ := os.ReadFile(s.failLog); len(b) > 0 {
		t.Errorf("fail log after the outage:\n%s\nwant it empty: waiting for the tunnel spends no attempts", b)
	}
	for _, pid := range last {
		if syscall.Kill(pid, 0) != syscall.ESRCH {
			t.Errorf("tunnel process %d still runs after luasync exited", pid)
		}
	}
}

// TestTunnelSyncVerb: `luasync sync` starts the tunnel, waits for it to be
// up, makes the mirror identical through it and stops it; a mistake in
// tunnel{} is exit status 2, naming the file, line and key.
func TestTunnelSyncVerb(t *testing.T) {
	s := newTunnelSetup(t, "")
	tree(t, s.src, "pre", 3, 10)
	out, code := runBinary(t, "sync", s.cfg)
	if code != 0 {
		t.Fatalf("luasync sync: status %d\n%s", code, out)
	}
	if diff, err := treecmp.Diff(s.src, s.mirror); err != nil || len(diff) > 0 {
		t.Errorf("after luasync sync the mirror differs: %v %v", err, head(diff, 10))
	}
	started := regexp.MustCompile(`tunnel process started.* pid=(\d+)`)
	for _, m := range started.FindAllStringSubmatch(out, -1) {
		if pid, _ := strconv.Atoi(m[1]); syscall.Kill(pid, 0) != syscall.ESRCH {
			t.Errorf("tunnel process %d still runs after luasync sync exited", pid)
		}
	}

	bad := writeConfig(t, t.TempDir(), fmt.Sprintf("local t = tunnel { command = { \"ssh\", \"h\" },\n  mode = \"pol\" }\nsync { default.rsync, source = %q, target = \"h::m\", tunnel = t }\n", s.src))
	out, code = runBinary(t, "check", bad)
	if want := bad + `:1: tunnel{} key "mode": "pol" is not one of`; code != 2 || !strings.Contains(out, want) {
		t.Errorf("luasync check with a bad mode: status %d, want 2 and %q\n%s", code, want, out)
	}
}

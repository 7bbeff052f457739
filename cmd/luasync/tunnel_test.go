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

// tunnelSetup is syncs whose targets are directories of a real rsync
// daemon (with auth) reached only through one pool-mode tunnel, shared by
// the syncs, of two real ssh port forwards to a real sshd, all on
// 127.0.0.1; a process is ready once rsync lists the daemon's modules
// through it.
type tunnelSetup struct {
	srcs, mirrors        []string
	status, failLog, cfg string
}

func newTunnelSetup(t *testing.T, syncs int, tunnelKeys string) *tunnelSetup {
	t.Helper()
	d := rsynctest.StartDaemon(t, rsynctest.DaemonOptions{})
	ssh := rsynctest.StartSSHD(t)
	root := t.TempDir()
	s := &tunnelSetup{status: filepath.Join(root, "status.txt"), failLog: filepath.Join(root, "fail.log")}
	command := []string{"ssh", "-N", "-o", "BatchMode=yes", "-o", "ExitOnForwardFailure=yes"}
	command = append(command, ssh.Args()...)
	command = append(command, "-L", "127.0.0.1:^localport:127.0.0.1:"+strconv.Itoa(d.Port), ssh.User+"@"+ssh.Host)
	body := fmt.Sprintf(`
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
`, s.failLog, s.status, luaList(command), tunnelKeys)
	for i := range syncs {
		src, sub := filepath.Join(root, fmt.Sprintf("src%d", i)), fmt.Sprintf("m%d", i)
		must(t, os.Mkdir(src, 0o755))
		s.srcs, s.mirrors = append(s.srcs, src), append(s.mirrors, filepath.Join(d.Dir, sub))
		body += fmt.Sprintf(`
sync { default.rsync, source = %q, delay = 0.05, maxProcesses = 4,
       target = "rsync://%s@^localhost:^localport/%s/%s",
       rsync = { password_file = %q, timeout = 10 },
       retry = { attempts = 3, initial = 0.2, max = 0.2 },
       tunnel = forward }
`, src, d.User, d.Module, sub, d.PasswordFile)
	}
	s.cfg = writeConfig(t, root, body)
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
	s := newTunnelSetup(t, 1, "retryDelay = 3,")
	src, mirror := s.srcs[0], s.mirrors[0]
	tree(t, src, "pre", 3, 10)
	p := startRunning(t, s.cfg)
	waitIdentical(t, src, mirror)
	pids, ports := s.readyProcesses(t)

	// Batch after batch: they take the two forwards in turn.
	for i := range 6 {
		dir := filepath.Join(src, fmt.Sprintf("live%d", i))
		must(t, os.MkdirAll(dir, 0o755))
		writeFile(t, filepath.Join(dir, "f"), "live")
		waitIdentical(t, src, mirror)
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
	writeFile(t, filepath.Join(src, "after-one-died"), "x")
	waitIdentical(t, src, mirror)
	pids, _ = s.readyProcesses(t, pids[0])

	// Both die: the tunnel is down; changes wait for it, then go.
	for _, pid := range pids {
		must(t, syscall.Kill(pid, syscall.SIGKILL))
	}
	waitFor(t, "the tunnel to be down", func() (bool, string) {
		b, _ := os.ReadFile(s.status)
		return strings.Contains(string(b), "(pool mode): down"), string(b)
	})
	must(t, os.MkdirAll(filepath.Join(src, "while/down"), 0o755))
	writeFile(t, filepath.Join(src, "while/down/f"), "made while the tunnel was down")
	must(t, os.RemoveAll(filepath.Join(src, "pre/d0")))
	waitIdentical(t, src, mirror)
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
// up, makes the mirrors of two syncs that share it identical through it
// (two processes in all, not two each) and stops it; a mistake in
// tunnel{} is exit status 2, naming the file, line and key.
func TestTunnelSyncVerb(t *testing.T) {
	s := newTunnelSetup(t, 2, "")
	for _, src := range s.srcs {
		tree(t, src, "pre", 3, 10)
	}
	out, code := runBinary(t, "sync", s.cfg)
	if code != 0 {
		t.Fatalf("luasync sync: status %d\n%s", code, out)
	}
	for i, src := range s.srcs {
		if diff, err := treecmp.Diff(src, s.mirrors[i]); err != nil || len(diff) > 0 {
			t.Errorf("after luasync sync, %s differs: %v %v", s.mirrors[i], err, head(diff, 10))
		}
	}
	started := regexp.MustCompile(`tunnel process started.* pid=(\d+)`).FindAllStringSubmatch(out, -1)
	if len(started) != 2 {
		t.Errorf("%d tunnel processes started for two syncs sharing a tunnel of parallel = 2, want 2", len(started))
	}
	for _, m := range started {
		if pid, _ := strconv.Atoi(m[1]); syscall.Kill(pid, 0) != syscall.ESRCH {
			t.Errorf("tunnel process %d still runs after luasync sync exited", pid)
		}
	}

	bad := writeConfig(t, t.TempDir(), fmt.Sprintf("local t = tunnel { command = { \"ssh\", \"h\" },\n  mode = \"pol\" }\nsync { default.rsync, source = %q, target = \"h::m\", tunnel = t }\n", s.srcs[0]))
	out, code = runBinary(t, "check", bad)
	if want := bad + `:1: tunnel{} key "mode": "pol" is not one of`; code != 2 || !strings.Contains(out, want) {
		t.Errorf("luasync check with a bad mode: status %d, want 2 and %q\n%s", code, want, out)
	}
}

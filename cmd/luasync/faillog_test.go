package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/luasync/luasync/runtime/rsync/rsynctest"
)

// TestFailLogOnAFullDisk is the scenario with a real full disk: a
// tmpfs of 64 KiB in a namespace of the test's own. The fail log holds a
// line torn by a crash with an old append glued onto it (the ":9: invalid
// character" line that used to stop luasync), a line cut off before its
// sink, and a last line that the full disk cut off. The rsync target is
// down, so the startup full sync fails and goes to the fail log, again and
// again. luasync must start and warn about each damaged line; append
// nothing onto the cut-off line while the disk is full; end that line
// before appending once there is room; exit 1 saying what it could not
// persist when the disk is full again at shutdown; and, with room and the
// target back, converge, empty the fail log and make a second instance
// refuse to start.
func TestFailLogOnAFullDisk(t *testing.T) {
	disk := newTmpfs(t, "64k")
	target := rsynctest.StartDaemon(t, rsynctest.DaemonOptions{})
	target.Stop()
	root := t.TempDir()
	src := filepath.Join(root, "src")
	must(t, os.Mkdir(src, 0o755))
	failLog := filepath.Join(disk.dir, "fail.log")
	cfg := writeConfig(t, root, fmt.Sprintf(`
settings { logLevel = "debug", failLog = %q, shutdownGrace = 1 }
sync { default.rsync, name = "www", source = %q, target = %q, rsync = { password_file = %q },
       init = false, delay = 0.05, workers = 1, retry = { attempts = 1, initial = 0.1, max = 0.5 } }
`, failLog, src, target.Target(""), target.PasswordFile))
	sink := sinkName(t, disk, cfg)
	line := func(path string) string {
		return fmt.Sprintf(`{"time":"2026-01-01T00:00:00Z","sink":%q,"op":"Modify","path":%q}`, sink, path)
	}
	damaged := line("a") + "\n" + line("torn")[:60] + line("glued") + "\n" + `{"time":"2026-01-0` + "\n" + line("b") + "\n"
	if len(damaged)%4096 == 0 {
		damaged += "\n" // leave room in the last page, so that the full disk cuts the next line, not refuses it
	}
	must(t, os.WriteFile(disk.path(failLog), []byte(damaged), 0o600))
	disk.fill(t)
	cutOff := line("cut/" + strings.Repeat("x", 5000))
	n, err := appendTo(disk.path(failLog), cutOff+"\n")
	if !errors.Is(err, syscall.ENOSPC) || n == 0 {
		t.Fatalf("the full disk took %d of %d bytes (%v); want a line cut off by ENOSPC", n, len(cutOff)+1, err)
	}
	before := damaged + cutOff[:n]
	for i := range 3 {
		writeFile(t, filepath.Join(src, fmt.Sprintf("missed-%d", i)), "changed while luasync was not running")
	}

	// The disk is full: luasync starts anyway, warns, and keeps what it
	// cannot persist queued, leaving the fail log as it found it.
	p := startCommand(t, disk.luasync("run", cfg))
	p.waitRunning(t)
	for _, w := range []string{"line=2 ", "line=3 ", "line=5 ", `held="{\"time\":\"2026-01-01T00:00:00Z\",\"sink\":`, "could not rewrite the damaged fail log lines"} {
		if !strings.Contains(p.out.String(), w) {
			t.Errorf("luasync's start does not mention %q", w)
		}
	}
	refused := p.waitFailLogRefused(t, 0)
	if got := readString(t, disk.path(failLog)); got != before {
		t.Fatalf("an append on a full disk changed the fail log:\n got %q\nwant %q", tail(got), tail(before))
	}

	// Room again: the next append ends the cut-off line first.
	disk.free(t)
	waitFor(t, "an append once there is room", func() (bool, string) {
		got := readString(t, disk.path(failLog))
		return len(got) > len(before), tail(got)
	})
	waitFor(t, "the append to be a line of its own", func() (bool, string) {
		got := readString(t, disk.path(failLog))
		return strings.HasPrefix(got, before+"\n{") && strings.HasSuffix(got, "}\n"), tail(got)
	})

	// Full again at shutdown: what cannot be persisted is reported, exit 1.
	disk.fill(t)
	p.waitFailLogRefused(t, refused)
	persisted := readString(t, disk.path(failLog))
	if code, _ := p.stop(t, syscall.SIGTERM); code != 1 {
		t.Fatalf("exit status %d after losing events at shutdown, want 1", code)
	}
	last := lastLines(p.out.String(), 3)
	for _, w := range []string{"LOST at shutdown", "luasync: run " + cfg, "sink " + sink, "not persisted to the fail log",
		`Rescan dir \"\"`, "no space left on device"} {
		if !strings.Contains(last, w) {
			t.Errorf("the last lines do not say %q:\n%s", w, last)
		}
	}
	if got := readString(t, disk.path(failLog)); !strings.HasPrefix(got, persisted) || !strings.HasSuffix(got, "\n") {
		t.Fatalf("shutdown on a full disk left a partial line:\n%q", tail(got))
	}

	// Room and the target back: luasync converges and empties the fail log.
	disk.free(t)
	target.Start()
	p = startCommand(t, disk.luasync("run", cfg))
	p.waitRunning(t)
	waitIdentical(t, src, target.Dir)
	waitFor(t, "the fail log to be compacted away", func() (bool, string) {
		_, err := os.Stat(disk.path(failLog))
		return errors.Is(err, os.ErrNotExist), fmt.Sprint(err)
	})
	if !strings.Contains(p.out.String(), "rewrote damaged fail log lines") {
		t.Errorf("the damaged lines were not repaired:\n%s", p.out.String())
	}

	// A second luasync on the same fail log refuses to start.
	for _, verb := range []string{"run", "sync"} {
		out, err := disk.luasync(verb, cfg).CombinedOutput()
		if code := exitStatus(err); code != 1 {
			t.Errorf("a second luasync %s: exit status %d, want 1:\n%s", verb, code, out)
		}
		for _, w := range []string{failLog, "held by another luasync", fmt.Sprintf("pid %d", p.cmd.Process.Pid), failLog + ".lock"} {
			if !strings.Contains(string(out), w) {
				t.Errorf("a second luasync %s does not say %q:\n%s", verb, w, out)
			}
		}
	}
	if code, _ := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit status %d, want 0", code)
	}
}

// sinkName is the name luasync gives cfg's only sink (in logs and the fail
// log), as a one-shot `luasync sync` to the target that is down reports it.
func sinkName(t *testing.T, disk *tmpfs, cfg string) string {
	t.Helper()
	out, _ := disk.luasync("sync", cfg).CombinedOutput()
	m := regexp.MustCompile(`full sync failed" sink="((?:[^"\\]|\\.)*)"`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("luasync sync with the target down did not name its sink:\n%s", out)
	}
	name, err := strconv.Unquote(`"` + string(m[1]) + `"`)
	must(t, err)
	return name
}

// waitFailLogRefused waits until the fail log has refused more than seen
// writes, and returns how many it has refused in all.
func (p *proc) waitFailLogRefused(t *testing.T, seen int) int {
	t.Helper()
	const refused = "fail log write failed; events stay queued"
	var n int
	waitFor(t, "the full disk to refuse a fail log write", func() (bool, string) {
		out := p.out.String()
		n = strings.Count(out, refused)
		return n > seen, lastLines(out, 5)
	})
	return n
}

// tmpfs is a small tmpfs mounted over a directory of the test, in a user
// and mount namespace of its own (unshare -Urm: no root needed), so that
// the test can fill it. The test reaches its files through /proc/PID/root
// and runs luasync inside the namespace with nsenter.
type tmpfs struct {
	dir string // the mount point, as seen inside the namespace
	pid int    // a process inside the namespace, keeping it alive
	n   int    // filler files written
}

func newTmpfs(t *testing.T, size string) *tmpfs {
	t.Helper()
	for _, tool := range []string{"unshare", "nsenter"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed for this test: apt-get install -y util-linux", tool)
		}
	}
	d := &tmpfs{dir: filepath.Join(t.TempDir(), "disk")}
	must(t, os.Mkdir(d.dir, 0o755))
	holder := exec.Command("unshare", "-Urm", "sh", "-c", `mount -t tmpfs -o size="$1" tmpfs "$2" && echo mounted && exec cat`,
		"sh", size, d.dir)
	stdin, err := holder.StdinPipe()
	must(t, err)
	stdout, err := holder.StdoutPipe()
	must(t, err)
	holder.Stderr = os.Stderr
	must(t, holder.Start())
	t.Cleanup(func() { stdin.Close(); holder.Wait() })
	if l, _ := bufio.NewReader(stdout).ReadString('\n'); l != "mounted\n" {
		t.Fatalf("mount a tmpfs in a user namespace (unshare -Urm): got %q; are user namespaces enabled (sysctl kernel.unprivileged_userns_clone)?", l)
	}
	d.pid = holder.Process.Pid
	return d
}

// path is where the test reaches p, a path inside the namespace.
func (d *tmpfs) path(p string) string { return fmt.Sprintf("/proc/%d/root%s", d.pid, p) }

// luasync is a luasync command that runs inside the namespace. It keeps
// its credentials: without root, nsenter may not set groups there.
func (d *tmpfs) luasync(args ...string) *exec.Cmd {
	return exec.Command("nsenter", append([]string{"--preserve-credentials", "-t", strconv.Itoa(d.pid), "-U", "-m", "--", binary}, args...)...)
}

// fill writes a file until the disk is full.
func (d *tmpfs) fill(t *testing.T) {
	t.Helper()
	d.n++
	f, err := os.Create(d.path(filepath.Join(d.dir, fmt.Sprintf("filler-%d", d.n))))
	must(t, err)
	defer f.Close()
	chunk := make([]byte, 4096)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill the tmpfs: %v", err)
			}
			return
		}
	}
}

// free removes every filler file.
func (d *tmpfs) free(t *testing.T) {
	t.Helper()
	for ; d.n > 0; d.n-- {
		must(t, os.Remove(d.path(filepath.Join(d.dir, fmt.Sprintf("filler-%d", d.n)))))
	}
}

func appendTo(path, s string) (int, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return f.WriteString(s)
}

func readString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	must(t, err)
	return string(b)
}

// tail is the end of a fail log, for messages.
func tail(s string) string {
	if len(s) > 400 {
		return "..." + s[len(s)-400:]
	}
	return s
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

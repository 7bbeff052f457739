package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/luasync/luasync/runtime/rsync/rsynctest"
)

// lsyncdCommand is the binary presented as lsyncd (a symlink named lsyncd
// in a scratch directory, which is also the working directory), with its
// state directory, where config-less command lines keep their fail logs,
// in that directory too.
func lsyncdCommand(t *testing.T, dir string, args ...string) *exec.Cmd {
	t.Helper()
	link := filepath.Join(dir, "lsyncd")
	if _, err := os.Lstat(link); os.IsNotExist(err) {
		must(t, os.Symlink(binary, link))
	}
	cmd := exec.Command("./lsyncd", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "XDG_STATE_HOME="+filepath.Join(dir, "state"))
	return cmd
}

// lsyncdDirs makes src and dst in a scratch directory, with a few files
// in src already.
func lsyncdDirs(t *testing.T) (dir, src, dst string) {
	t.Helper()
	dir = t.TempDir()
	src, dst = filepath.Join(dir, "src"), filepath.Join(dir, "trg")
	must(t, os.MkdirAll(filepath.Join(src, "d", "e"), 0o755))
	must(t, os.Mkdir(dst, 0o755))
	writeFile(t, filepath.Join(src, "d", "e", "f1"), "before start")
	writeFile(t, filepath.Join(src, "it's a \"name\""), "odd")
	return dir, src, dst
}

// TestLsyncdRsyncCommandLine is what lsyncd's own tests do: the binary
// called lsyncd, `-nodaemon -delay N -rsync SRC/ TRG/`, changes while it
// runs, then SIGTERM, which lsyncd answers with status 143.
func TestLsyncdRsyncCommandLine(t *testing.T) {
	rsynctest.Require(t, "rsync", "apt-get install -y rsync")
	dir, src, dst := lsyncdDirs(t)
	p := startCommand(t, lsyncdCommand(t, dir, "-nodaemon", "-delay", "0.1", "-rsync", src+"/", dst+"/"))
	p.waitRunning(t)
	must(t, os.MkdirAll(filepath.Join(src, "d2", "e"), 0o755))
	writeFile(t, filepath.Join(src, "d2", "e", "f2"), "while running")
	must(t, os.Rename(filepath.Join(src, "d"), filepath.Join(src, "d-moved")))
	waitIdentical(t, src, dst)
	if code, _ := p.stop(t, syscall.SIGTERM); code != 143 {
		t.Fatalf("exit status after SIGTERM = %d, want 143 as lsyncd", code)
	}
	out := p.out.String()
	for _, want := range []string{`^\d\d:\d\d:\d\d Normal: --- Startup ---$`, `^\d\d:\d\d:\d\d Normal: --- TERM signal, fading ---$`} {
		if !regexp.MustCompile("(?m)" + want).MatchString(out) {
			t.Errorf("no line matching %s in lsyncd's console output:\n%s", want, out)
		}
	}
	if strings.Contains(out, "does not daemonize") {
		t.Errorf("-nodaemon was given, yet luasync said it does not daemonize:\n%s", out)
	}
	logs, _ := filepath.Glob(filepath.Join(dir, "state", "luasync", "lsyncd-*.fail.log.lock"))
	if len(logs) != 1 {
		t.Errorf("want one fail log lock in the state directory, got %q", logs)
	}
}

// TestLsyncdDirectAndSIGINT: `luasync lsyncd -direct` (the verb form), and
// SIGINT, which lsyncd answers with 130. Without -nodaemon luasync says
// once that it stays in the foreground; with -logfile, it logs there in
// lsyncd's format.
func TestLsyncdDirectAndSIGINT(t *testing.T) {
	dir, src, dst := lsyncdDirs(t)
	logfile := filepath.Join(dir, "lsyncd.log")
	cmd := exec.Command(binary, "lsyncd", "-logfile", logfile, "-direct", src, dst)
	cmd.Env = append(os.Environ(), "XDG_STATE_HOME="+filepath.Join(dir, "state"))
	p := startCommand(t, cmd)
	waitFor(t, "the log file to say luasync runs", func() (bool, string) {
		b, _ := os.ReadFile(logfile)
		return strings.Contains(string(b), "luasync running"), string(b)
	})
	writeFile(t, filepath.Join(src, "new"), "while running")
	waitIdentical(t, src, dst)
	if code, _ := p.stop(t, syscall.SIGINT); code != 130 {
		t.Fatalf("exit status after SIGINT = %d, want 130", code)
	}
	if n := strings.Count(p.out.String(), "luasync does not daemonize"); n != 1 ||
		!strings.Contains(p.out.String(), "logs to "+logfile) {
		t.Errorf("want one note that luasync stays in the foreground and logs to %s; output:\n%s", logfile, p.out.String())
	}
	b, _ := os.ReadFile(logfile)
	ctime := `[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}`
	if !regexp.MustCompile("(?m)^" + ctime + ` Normal: --- INT signal, fading ---$`).Match(b) {
		t.Errorf("log file lacks lsyncd's INT line:\n%s", b)
	}
}

// TestLsyncdConfigFile: a config file with options after it, as lsyncd's
// tests start it (`lsyncd CONFIG -log all`); settings{} as lsyncd spells
// them, with nodaemon and a logfile: the console and the file both log.
func TestLsyncdConfigFile(t *testing.T) {
	dir, src, dst := lsyncdDirs(t)
	logfile := filepath.Join(dir, "log")
	cfg := writeConfig(t, dir, fmt.Sprintf(`
settings { logfile = %q, nodaemon = true }
sync { default.direct, source = %q, target = %q, delay = 3, exclude = { "*.tmp" } }
`, logfile, src, dst))
	p := startCommand(t, lsyncdCommand(t, dir, cfg, "-log", "all", "-delay", "0.05"))
	p.waitRunning(t)
	writeFile(t, filepath.Join(src, "x.tmp"), "excluded")
	writeFile(t, filepath.Join(src, "x"), "mirrored within -delay, not the config's 3 s")
	waitFor(t, "x on the mirror", func() (bool, string) {
		_, err := os.Stat(filepath.Join(dst, "x"))
		return err == nil, fmt.Sprint(err)
	})
	if _, err := os.Stat(filepath.Join(dst, "x.tmp")); !os.IsNotExist(err) {
		t.Errorf("an excluded file reached the mirror: %v", err)
	}
	if code, _ := p.stop(t, syscall.SIGTERM); code != 143 {
		t.Fatalf("exit status after SIGTERM = %d, want 143", code)
	}
	b, _ := os.ReadFile(logfile)
	for _, want := range []string{"Normal: --- Startup ---", "Debug: watched", "Normal: --- TERM signal, fading ---"} {
		if !strings.Contains(string(b), want) || !strings.Contains(p.out.String(), want) {
			t.Errorf("%q not in both the log file and the console (-log all logs debug lines)\nfile:\n%s\nconsole:\n%s", want, b, p.out.String())
		}
	}
}

// TestLsyncdCommandLineErrors: lsyncd's answers to -version, -help and
// mistakes, and its status for them (255 is its exit(-1)).
func TestLsyncdCommandLineErrors(t *testing.T) {
	dir, src, dst := lsyncdDirs(t)
	bad := writeConfig(t, dir, "settings { nodaemon = true }\nsync { default.direct, source = '"+src+"', targte = '/x' }\n")
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-version"}, 0, "Version: 2.3.1 (luasync "},
		{[]string{"-nodaemon", "-help"}, 0, "lsyncd [OPTIONS] -rsyncssh [SOURCE] [HOST] [TARGETDIR]"},
		{nil, 255, "USAGE:"},
		{[]string{"-nodeamon", "-rsync", src, dst}, 255, "Error: unknown option command line option -nodeamon"},
		{[]string{"-log", "everything", "-version"}, 255, "Error: 'everything' is not a valid logging category"},
		{[]string{"-rsync", src}, 255, "Error: rsync needs 2 arguments"},
		{[]string{"-rsync", src, dst, bad}, 255, "Error: there cannot be command line syncs and a config file together"},
		{[]string{"-direct", filepath.Join(dir, "nope"), dst}, 255, "does not exist"},
		{[]string{bad}, 255, `Error: ` + bad + `:2: sync{} key "targte": unknown key (did you mean "target"?)`},
	}
	for _, tt := range tests {
		out, err := lsyncdCommand(t, dir, tt.args...).CombinedOutput()
		if code := exitStatus(err); code != tt.code || !strings.Contains(string(out), tt.want) {
			t.Errorf("lsyncd %q: status %d, want %d; output does not hold %q:\n%s", tt.args, code, tt.code, tt.want, out)
		}
	}
	if entries, _ := os.ReadDir(dst); len(entries) != 0 {
		t.Errorf("a refused command line wrote to the target: %v", entries)
	}
}

// TestLsyncdInsist: without insist, a target that cannot be reached at
// startup ends lsyncd (status 255), saying why; with -insist, the startup
// sync is retried and lsyncd keeps running until SIGTERM.
func TestLsyncdInsist(t *testing.T) {
	rsynctest.Require(t, "rsync", "apt-get install -y rsync")
	dir, src, _ := lsyncdDirs(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	l.Close() // nothing listens there now: rsync's connection is refused
	target := fmt.Sprintf("rsync://127.0.0.1:%d/mirror", port)

	out, err := lsyncdCommand(t, dir, "-nodaemon", "-rsync", src, target).CombinedOutput()
	if code := exitStatus(err); code != 255 || !strings.Contains(string(out), "terminating since insist is not set") {
		t.Fatalf("without insist: status %d, want 255 and why; output:\n%s", code, out)
	}
	p := startCommand(t, lsyncdCommand(t, dir, "-nodaemon", "-insist", "-rsync", src, target))
	waitFor(t, "a retried startup sync", func() (bool, string) {
		return strings.Contains(p.out.String(), "will retry"), p.out.String()
	})
	if code, _ := p.stop(t, syscall.SIGTERM); code != 143 {
		t.Fatalf("with -insist: exit status after SIGTERM = %d, want 143", code)
	}
}

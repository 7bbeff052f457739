package rsynctest

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// TestDaemon: the daemon takes an authenticated upload into its module,
// refuses connections while stopped, and takes them again on the same
// port after Start.
func TestDaemon(t *testing.T) {
	d := StartDaemon(t, DaemonOptions{})
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "f"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	upload := func() error {
		return exec.Command("rsync", "-a", "--password-file="+d.PasswordFile, src+"/", d.Target("sub")+"/").Run()
	}
	if err := upload(); err != nil {
		t.Fatalf("upload: %v\n%s", err, logTail(d.LogFile))
	}
	if _, err := os.Stat(filepath.Join(d.Dir, "sub/f")); err != nil {
		t.Fatal(err)
	}
	d.Stop()
	if c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(d.Port)); err == nil {
		c.Close()
		t.Fatal("a stopped daemon still accepts connections")
	}
	d.Start()
	if err := upload(); err != nil {
		t.Fatalf("upload after restart: %v", err)
	}
}

// TestDaemonModuleDir: a module directory chosen by the test (on tmpfs,
// say) is where uploads land.
func TestDaemonModuleDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "chosen", "module")
	d := StartDaemon(t, DaemonOptions{ModuleDir: dir})
	if d.Dir != dir {
		t.Fatalf("Dir = %q, want %q", d.Dir, dir)
	}
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "f"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("rsync", "-a", "--password-file="+d.PasswordFile, src+"/", d.URL+"/").CombinedOutput(); err != nil {
		t.Fatalf("upload: %v: %s\n%s", err, out, logTail(d.LogFile))
	}
	if _, err := os.Stat(filepath.Join(dir, "f")); err != nil {
		t.Fatal(err)
	}
}

// TestSSHD: the client key and options log the current user in.
func TestSSHD(t *testing.T) {
	s := StartSSHD(t)
	out, err := exec.Command("ssh", append(s.Args(), s.User+"@"+s.Host, "echo ok")...).CombinedOutput()
	if err != nil || string(out) != "ok\n" {
		t.Fatalf("ssh: %v: %s\n%s", err, out, logTail(s.LogFile))
	}
}

func TestRequireFindsSbin(t *testing.T) {
	if p := Require(t, "sshd", "apt-get install -y openssh-server"); !filepath.IsAbs(p) {
		t.Errorf("Require(sshd) = %q, want an absolute path", p)
	}
}

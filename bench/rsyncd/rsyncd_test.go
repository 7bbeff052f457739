package rsyncd

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A daemon started here takes an authenticated upload into its module.
func TestDaemonAcceptsAuthenticatedUpload(t *testing.T) {
	rsync, err := exec.LookPath("rsync")
	if err != nil {
		t.Fatalf("rsync not found (apt-get install -y rsync): %v", err)
	}
	dir := t.TempDir()
	src, mod := filepath.Join(dir, "src"), filepath.Join(dir, "mod")
	for _, d := range []string{src, mod} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(src, "f"), []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("sub/f", filepath.Join(src, "link")); err != nil {
		t.Fatal(err)
	}
	d, err := Start(rsync, filepath.Join(dir, "daemon"), mod)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(rsync, "-a", "--password-file="+d.PasswordFile, src+"/", d.URL).CombinedOutput()
	if err != nil {
		t.Fatalf("rsync to %s: %v\n%s", d.URL, err, out)
	}
	if got, err := os.ReadFile(filepath.Join(mod, "f")); err != nil || string(got) != "hello" {
		t.Errorf("module holds %q, %v; want hello", got, err)
	}
	if got, err := os.Readlink(filepath.Join(mod, "link")); err != nil || got != "sub/f" {
		t.Errorf("symlink arrived as %q, %v; want it unmunged", got, err)
	}
	bad := filepath.Join(dir, "wrong.pw")
	if err := os.WriteFile(bad, []byte("nope\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(rsync, "-a", "--password-file="+bad, src+"/", d.URL).CombinedOutput(); err == nil {
		t.Errorf("a wrong password was accepted: %s", out)
	}
	if _, err := d.Stop(); err != nil {
		t.Errorf("Stop: %v", err)
	}
}

func TestConfNamesModuleAndAuth(t *testing.T) {
	c := Conf("/m od", "/s", "/l", 0, 0)
	for _, want := range []string{"[mod]", "path = /m od", "auth users = bench", "secrets file = /s", "use chroot = no", "munge symlinks = no", "read only = no", "uid = 0"} {
		if !strings.Contains(c, want) {
			t.Errorf("Conf lacks %q:\n%s", want, c)
		}
	}
}

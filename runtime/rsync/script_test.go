package rsync

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestMoveScript runs the ssh move script with the local /bin/sh, in a
// directory with a space in its name, and checks each kind of move: what
// is renamed (and reported "ok N"), what is refused, and that no name is
// ever run.
func TestMoveScript(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tar get")
	outside := t.TempDir()
	files := map[string]string{
		"a": "a", "$(touch pwned)": "x", "new\nline'q": "n", "f2": "f2", "over": "old", "d1/in": "i",
		"dirover/x": "x", "fdir": "file", "lnk-target/in": "i", "sym-parent-from": "s",
	}
	for f, c := range files {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, f), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.MkdirAll(filepath.Join(dir, "d2"), 0o755)
	os.Symlink(outside, filepath.Join(dir, "evil"))     // a parent that is a symlink
	os.Symlink("lnk-target", filepath.Join(dir, "lnk")) // a new path that is a symlink to a dir
	os.WriteFile(filepath.Join(outside, "x"), []byte("o"), 0o644)
	moves := [][2]string{
		{"a", "-b c/d"},                  // 0: into a new parent
		{"$(touch pwned)", "`id`"},       // 1
		{"new\nline'q", "'\"; rm -rf ~"}, // 2
		{"f2", "over"},                   // 3: replaces a file
		{"d1", "dirover"},                // 4: a directory replaces a non-empty one
		{"fdir", "d2"},                   // 5: a file replaces an empty directory
		{"missing", "m2"},                // 6: nothing to move: not ok
		{"evil/x", "y"},                  // 7: through a symlink: refused
		{"sym-parent-from", "evil/z"},    // 8: into a symlink: refused
		{"over", "lnk"},                  // 9: replaces the symlink itself
	}
	cmd := exec.Command("/bin/sh")
	cmd.Stdin = strings.NewReader(string(moveScript(dir, moves)))
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("script: %v\n%s", err, out)
	}
	if got, want := strings.Fields(string(out)), strings.Fields("ok 0 ok 1 ok 2 ok 3 ok 4 ok 5 ok 9"); !slices.Equal(got, want) {
		t.Errorf("script output %q, want %q", out, want)
	}
	wantFiles := map[string]string{
		"-b c/d": "a", "`id`": "x", "'\"; rm -rf ~": "n", "dirover/in": "i", "d2": "file", "lnk": "f2",
		"evil/x": "o", "sym-parent-from": "s",
	}
	for f, c := range wantFiles {
		if b, err := os.ReadFile(filepath.Join(dir, f)); err != nil || string(b) != c {
			t.Errorf("%q: %q, %v; want %q", f, b, err, c)
		}
	}
	for _, gone := range []string{"a", "f2", "d1", "dirover/x", "over", filepath.Join(outside, "z")} {
		if !filepath.IsAbs(gone) {
			gone = filepath.Join(dir, gone)
		}
		if _, err := os.Lstat(gone); err == nil {
			t.Errorf("%s still exists", gone)
		}
	}
	if fi, err := os.Lstat(filepath.Join(dir, "lnk")); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("lnk is not the moved file: %v %v", fi, err)
	}
	for _, d := range []string{dir, cmd.Dir} {
		if _, err := os.Lstat(filepath.Join(d, "pwned")); err == nil {
			t.Error("a name was run by the shell")
		}
	}
}

func TestRshQuoting(t *testing.T) {
	argvs := [][]string{
		{"ssh", "-p", "2222", "-i", "/keys/my key"},
		{"/opt/my ssh", "-o", "ProxyCommand=nc -x 'proxy' %h %p", "-o", `Opt="dq"`},
		{"ssh", "", "it's"},
	}
	for _, argv := range argvs {
		q := make([]string, len(argv))
		for i, a := range argv {
			q[i] = quoteRsh(a)
		}
		got, err := splitRsh(strings.Join(q, " "))
		if err != nil || !slices.Equal(got, argv) {
			t.Errorf("splitRsh(quoted %q) = %q, %v", argv, got, err)
		}
	}
	splits := map[string][]string{
		`ssh -p 22`:                   {"ssh", "-p", "22"},
		`ssh  -i "/a b/k"   -l 'x y'`: {"ssh", "-i", "/a b/k", "-l", "x y"},
		`ssh -o 'a''b' "c""d"`:        {"ssh", "-o", "a'b", `c"d`},
		`ssh back\slash`:              {"ssh", `back\slash`},
	}
	for in, want := range splits {
		if got, err := splitRsh(in); err != nil || !slices.Equal(got, want) {
			t.Errorf("splitRsh(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// TestRshAgainstRsync: rsync splits our quoted -e the way we meant; a fake
// remote shell prints its arguments and rsync's own remote command.
func TestRshAgainstRsync(t *testing.T) {
	if _, err := exec.LookPath("rsync"); err != nil {
		t.Fatal("rsync not found; install it: apt-get install -y rsync")
	}
	dir := t.TempDir()
	fake := filepath.Join(dir, "my ssh")
	log := filepath.Join(dir, "args")
	script := "#!/bin/sh\nfor a do printf '%s\\n' \"$a\"; done > '" + log + "'\nexit 255\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	argv := []string{fake, "-o", "ProxyCommand=nc 'x' %h", "-i", "/k/it's"}
	s := &Sink{ssh: argv}
	r := run(context.Background(), []string{"rsync", "-a", "--rsh=" + s.rshString(), dir + "/", "host:/x"}, nil, 0)
	if r.err != nil || r.code == 0 { // the fake shell fails: 255 or 12, as the race goes
		t.Fatalf("rsync: %v, exit %d: %s", r.err, r.code, r.stderr)
	}
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(string(b), "\n")
	if want := append(argv[1:], "host"); !slices.Equal(got[:len(want)], want) {
		t.Errorf("the remote shell got %q, want %q first", got, want)
	}
}

package rsync

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/luasync/luasync/runtime/nesting"
)

// MinVersion is the oldest rsync the sink runs: --delete-missing-args came
// in 3.1.0. The argument shapes in the package doc were verified against
// rsync 3.5.0.
var MinVersion = [3]int{3, 1, 0}

// CheckPasswordFile refuses a daemon password file that is missing, not a
// regular file, or open to group or others (rsync itself refuses one that
// others can read; a secret shared with a group is refused here too), and,
// when running as root, one not owned by root, as rsync does.
func CheckPasswordFile(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("password file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("password file %s is not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("password file %s has mode %04o: group and others must have no access to it (rsync refuses a password file others can read); run chmod 600 %s", path, perm, path)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && os.Geteuid() == 0 && st.Uid != 0 {
		return fmt.Errorf("password file %s is owned by uid %d: running as root, rsync requires it to be owned by root; run chown root %s", path, st.Uid, path)
	}
	return nil
}

// deniedLong are rsync options luasync sets itself, or that would make a
// run do something else than the sink asked for, with what to do instead.
var deniedLong = map[string]string{
	"--files-from":          "luasync passes the file list itself",
	"--read-batch":          "luasync passes the file list itself",
	"--from0":               "luasync sets it",
	"--relative":            "luasync sets it",
	"--delete-missing-args": "luasync sets it",
	"--ignore-missing-args": "luasync sets it",
	"--force":               "luasync sets it when delete = true",
	"--delete":              "use delete = true",
	"--del":                 "use delete = true",
	"--delete-before":       "use delete = true",
	"--delete-during":       "use delete = true",
	"--delete-delay":        "use delete = true",
	"--delete-after":        "use delete = true",
	"--delete-excluded":     "a watched mirror never deletes excluded files",
	"--recursive":           "luasync decides when to recurse",
	"--no-relative":         "luasync relies on --relative",
	"--no-R":                "luasync relies on --relative",
	"--old-args":            "remote paths would be split again",
	"--no-secluded-args":    "remote paths would be split again",
	"--no-protect-args":     "remote paths would be split again",
	"--no-s":                "remote paths would be split again",
	"--dry-run":             "a dry run would report changes as sent",
	"--list-only":           "nothing would be sent",
	"--write-batch":         "luasync runs rsync for real",
	"--only-write-batch":    "luasync runs rsync for real",
	"--remove-source-files": "luasync never changes the source",
	"--rsh":                 "use rsync = { rsh = ... } or ssh = { ... }",
	"--password-file":       "use rsync = { password_file = ... }",
	"--port":                "use rsync = { port = ... }",
	"--timeout":             "use rsync = { timeout = ... }",
	"--contimeout":          "use rsync = { timeout = ... }",
	"--daemon":              "luasync is the client",
	"--server":              "luasync is the client",
	"--sender":              "luasync is the client",
}

// deniedShort are the short forms of deniedLong, and the letters of short
// options that take an argument (a bundle ends at one of those).
var (
	deniedShort  = map[byte]string{'r': "--recursive", 'R': "--relative", 'n': "--dry-run", '0': "--from0", 'e': "--rsh"}
	shortWithArg = "BfMT@"
)

// CheckArgs refuses flags in a rendered rsync{} table that luasync sets
// itself or that would break its runs, saying what to use instead. A word
// that is not an option is only accepted as the value of the option
// before it (_extra = { "-T", "/tmp" }): anywhere else rsync would take it
// for one more source to send.
func CheckArgs(args []string) error {
	valueOK := false
	for _, a := range args {
		if !strings.HasPrefix(a, "-") || a == "-" {
			if !valueOK {
				return fmt.Errorf("rsync flag %q: not an option, and no option before it takes a value: rsync{} and _extra hold options only; the source and target are luasync's", a)
			}
			valueOK = false
			continue
		}
		if err := checkArg(a); err != nil {
			return fmt.Errorf("rsync flag %q: %w", a, err)
		}
		valueOK = takesValue(a)
	}
	return nil
}

// takesValue reports whether an option may take the next word as its
// value: a long option without "=", or a short bundle ending in a letter
// that takes one.
func takesValue(a string) bool {
	if strings.HasPrefix(a, "--") {
		return !strings.Contains(a, "=")
	}
	return strings.IndexByte(shortWithArg, a[len(a)-1]) >= 0
}

func checkArg(a string) error {
	if a == "--" {
		return errors.New("not allowed: luasync passes the source and target")
	}
	if strings.HasPrefix(a, "--") {
		name, _, _ := strings.Cut(a, "=")
		if why, ok := deniedLong[name]; ok {
			return errors.New("not allowed: " + why)
		}
		return nil
	}
	for i := 1; i < len(a); i++ {
		if long, ok := deniedShort[a[i]]; ok {
			return fmt.Errorf("-%c is %s, which is not allowed: %s", a[i], long, deniedLong[long])
		}
		if strings.IndexByte(shortWithArg, a[i]) >= 0 {
			break
		}
	}
	return nil
}

// FindBinary looks up an rsync or ssh binary, saying how to install it
// when it is missing.
func FindBinary(name, install string) (string, error) {
	p, err := exec.LookPath(name)
	if err == nil {
		return p, nil
	}
	if strings.Contains(name, "/") {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	return "", fmt.Errorf("%s not found in PATH: %s", name, install)
}

func (s *Sink) findRsync() error {
	name := s.opts.Binary
	if name == "" {
		name = "rsync"
	}
	p, err := FindBinary(name, "apt-get install rsync")
	if err != nil {
		return err
	}
	s.rsync = p
	return checkVersion(p)
}

var versionRE = regexp.MustCompile(`version\s+v?(\d+)\.(\d+)\.(\d+)`)

// checkVersion runs `rsync --version` and refuses one older than
// MinVersion.
func checkVersion(bin string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "--version").Output()
	if err != nil {
		return fmt.Errorf("run %s --version: %w", bin, err)
	}
	m := versionRE.FindSubmatch(out)
	if m == nil {
		return fmt.Errorf("%s --version printed no version; is it rsync?", bin)
	}
	var v [3]int
	for i := range v {
		v[i], _ = strconv.Atoi(string(m[i+1]))
	}
	for i := range v {
		if v[i] != MinVersion[i] {
			if v[i] < MinVersion[i] {
				return fmt.Errorf("%s is rsync %d.%d.%d; luasync needs %d.%d.%d or newer", bin, v[0], v[1], v[2], MinVersion[0], MinVersion[1], MinVersion[2])
			}
			break
		}
	}
	return nil
}

// CheckDisjoint refuses a local target that is, holds or lies inside the
// source, as written and with symlinks resolved (package nesting).
func CheckDisjoint(source, target string) error {
	return nesting.Check(source, target)
}

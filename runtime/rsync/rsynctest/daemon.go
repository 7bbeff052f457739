package rsynctest

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// DaemonOptions tune StartDaemon; the zero value is fine.
type DaemonOptions struct {
	User     string // the auth user; "" means "luasync"
	Password string // "" means a random one
	Module   string // "" means "mod"
	// ModuleDir is the module's directory, made if missing; "" means one
	// under tb.TempDir(). A test that wants the mirror on a given file
	// system (tmpfs, say) puts it there.
	ModuleDir string
}

// Daemon is a running `rsync --daemon` with one module that takes writes
// from an authenticated user, as the user the test runs as.
type Daemon struct {
	Host     string // 127.0.0.1
	Port     int
	User     string
	Password string
	Module   string
	// URL is the module as a target: "rsync://USER@127.0.0.1:PORT/MODULE".
	URL string
	// Dir is the module's directory: what a client writes lands here.
	Dir string
	// PasswordFile holds Password, mode 0600, for --password-file.
	PasswordFile string
	// LogFile is the daemon's log.
	LogFile string

	tb   testing.TB
	bin  string
	conf string
	mu   sync.Mutex
	srv  *server
}

// StartDaemon starts an rsync daemon on 127.0.0.1 and a free port, stopped
// in tb.Cleanup. The module uses no chroot, does not munge symlinks, and
// runs as the test's uid and gid, so a mirror in it can be compared with
// its source byte for byte, mode for mode.
func StartDaemon(tb testing.TB, opts DaemonOptions) *Daemon {
	tb.Helper()
	d := &Daemon{tb: tb, Host: "127.0.0.1", User: opts.User, Password: opts.Password, Module: opts.Module}
	d.bin = Require(tb, "rsync", "apt-get install -y rsync")
	if d.User == "" {
		d.User = "luasync"
	}
	if d.Module == "" {
		d.Module = "mod"
	}
	if d.Password == "" {
		d.Password = randomHex(12)
	}
	dir := tb.TempDir()
	d.Dir = opts.ModuleDir
	if d.Dir == "" {
		d.Dir = filepath.Join(dir, "module")
	}
	d.PasswordFile = filepath.Join(dir, "password")
	d.LogFile = filepath.Join(dir, "rsyncd.log")
	d.conf = filepath.Join(dir, "rsyncd.conf")
	mustWrite(tb, filepath.Join(dir, "secrets"), d.User+":"+d.Password+"\n")
	mustWrite(tb, d.PasswordFile, d.Password+"\n")
	if err := os.MkdirAll(d.Dir, 0o755); err != nil {
		tb.Fatalf("make the rsync daemon's module directory: %v", err)
	}
	var err error
	for range 5 {
		d.Port = freePort(tb)
		mustWrite(tb, d.conf, d.config(dir))
		if err = d.start(); !errors.Is(err, errExited) {
			break
		}
	}
	if err != nil {
		tb.Fatalf("start rsync daemon: %v\n%s", err, logTail(d.LogFile))
	}
	d.URL = d.Target("")
	tb.Cleanup(d.Stop)
	return d
}

func (d *Daemon) config(dir string) string {
	return fmt.Sprintf(`pid file = %[1]s/rsyncd.pid
address = 127.0.0.1
port = %[2]d
use chroot = no
munge symlinks = no
numeric ids = yes
reverse lookup = no
uid = %[3]d
gid = %[4]d

[%[5]s]
path = %[6]s
read only = no
auth users = %[7]s
secrets file = %[1]s/secrets
strict modes = yes
`, dir, d.Port, os.Getuid(), os.Getgid(), d.Module, d.Dir, d.User)
}

func (d *Daemon) start() error {
	srv, err := startServer([]string{d.bin, "--daemon", "--no-detach", "--config=" + d.conf, "--log-file=" + d.LogFile}, d.LogFile, d.Port)
	if err != nil {
		return err
	}
	d.srv = srv
	return nil
}

// Stop stops the daemon; new connections are refused until Start. It is
// a no-op on a stopped daemon.
func (d *Daemon) Stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.srv != nil {
		d.srv.stop()
		d.srv = nil
	}
}

// Start restarts a stopped daemon on the same port, for "the target was
// down for a while" tests. It is a no-op on a running daemon.
func (d *Daemon) Start() {
	d.tb.Helper()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.srv != nil {
		return
	}
	var err error
	for range 20 { // the port can take a moment to be free again
		if err = d.start(); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	d.tb.Fatalf("restart rsync daemon on port %d: %v\n%s", d.Port, err, logTail(d.LogFile))
}

// Target returns the daemon target for a path below the module, in the
// rsync:// form with user and port: "rsync://luasync@127.0.0.1:PORT/mod/sub".
func (d *Daemon) Target(sub string) string {
	t := "rsync://" + d.User + "@127.0.0.1:" + strconv.Itoa(d.Port) + "/" + d.Module
	if sub = strings.Trim(sub, "/"); sub != "" {
		t += "/" + sub
	}
	return t
}

func mustWrite(tb testing.TB, path, content string) {
	tb.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		tb.Fatal(err)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

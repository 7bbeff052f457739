package rsyncd

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// User and Module are what every client URL names.
const (
	User     = "bench"
	Module   = "mod"
	password = "luasync-bench"
)

// Daemon is a running rsync daemon.
type Daemon struct {
	URL          string // rsync://bench@127.0.0.1:PORT/mod/
	PasswordFile string // for clients: --password-file
	Port         int
	cmd          *exec.Cmd
	exited       chan struct{}
	waitErr      error
}

// Conf renders rsyncd.conf for a module at moduleDir. The daemon runs as
// the invoking user (as root it would otherwise drop to nobody and fail to
// write), without chroot, and with symlink munging off: munging is on by
// default without chroot and would make every mirrored symlink differ.
// (Without chroot the daemon still sanitizes symlinks that climb out of the
// module or hold "..", "a/../x" becoming "x"; the scenarios make none.)
func Conf(moduleDir, secrets, logFile string, uid, gid int) string {
	return fmt.Sprintf(`# rsyncd.conf for the luasync sync benchmark
use chroot = no
munge symlinks = no
uid = %d
gid = %d
max connections = 0
log file = %s

[%s]
    path = %s
    read only = no
    list = yes
    auth users = %s
    secrets file = %s
`, uid, gid, logFile, Module, moduleDir, User, secrets)
}

// Start writes the config, secrets and password files into dir and starts
// the daemon serving moduleDir, returning once it accepts connections.
// prefix, if any, is run with the daemon's command line as its arguments
// (the benchmark passes `nice -n 10`).
func Start(rsyncBin, dir, moduleDir string, prefix ...string) (*Daemon, error) {
	for _, p := range []string{dir, moduleDir} {
		if strings.ContainsAny(p, "\n\r") || strings.HasPrefix(p, " ") || strings.HasSuffix(p, " ") {
			// rsyncd.conf is line-based and trims values.
			return nil, fmt.Errorf("start rsync daemon: path %q cannot be written into rsyncd.conf", p)
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("start rsync daemon: %w", err)
	}
	conf, pwFile := filepath.Join(dir, "rsyncd.conf"), filepath.Join(dir, "rsync.password")
	files := []struct {
		path, data string
	}{
		{filepath.Join(dir, "rsyncd.secrets"), User + ":" + password + "\n"},
		{pwFile, password + "\n"},
		{conf, Conf(moduleDir, filepath.Join(dir, "rsyncd.secrets"), filepath.Join(dir, "rsyncd.log"), os.Getuid(), os.Getgid())},
	}
	for _, f := range files {
		// rsync refuses secrets and password files others can read.
		if err := os.WriteFile(f.path, []byte(f.data), 0o600); err != nil {
			return nil, fmt.Errorf("start rsync daemon: %w", err)
		}
	}
	var lastErr error
	for range 3 { // a free port can be taken between probe and bind
		d, err := launch(prefix, rsyncBin, conf, pwFile, dir)
		if err == nil {
			return d, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func launch(prefix []string, rsyncBin, conf, pwFile, dir string) (*Daemon, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	out, err := os.Create(filepath.Join(dir, "rsyncd.out"))
	if err != nil {
		return nil, fmt.Errorf("start rsync daemon: %w", err)
	}
	defer out.Close()
	argv := append(append([]string{}, prefix...), rsyncBin, "--daemon", "--no-detach", "--config="+conf, "--address=127.0.0.1", "--port="+strconv.Itoa(port))
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start rsync daemon %s: %w", rsyncBin, err)
	}
	d := &Daemon{
		URL:          fmt.Sprintf("rsync://%s@127.0.0.1:%d/%s/", User, port, Module),
		PasswordFile: pwFile,
		Port:         port,
		cmd:          cmd,
		exited:       make(chan struct{}),
	}
	go func() { d.waitErr = cmd.Wait(); close(d.exited) }()
	if err := d.waitListening(10 * time.Second); err != nil {
		d.Stop()
		log, _ := os.ReadFile(out.Name())
		return nil, fmt.Errorf("start rsync daemon on port %d: %w: %s", port, err, strings.TrimSpace(string(log)))
	}
	return d, nil
}

func (d *Daemon) waitListening(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(d.Port))
	for {
		select {
		case <-d.exited:
			return fmt.Errorf("daemon exited: %v", d.waitErr)
		default:
		}
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not listening after %s: %w", limit, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Pid is the daemon's process id (and process group).
func (d *Daemon) Pid() int { return d.cmd.Process.Pid }

// Stop ends the daemon and returns the CPU time it and the connection
// processes it reaped used.
func (d *Daemon) Stop() (time.Duration, error) {
	select {
	case <-d.exited:
	default:
		_ = syscall.Kill(-d.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-d.exited:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
			<-d.exited
		}
	}
	st := d.cmd.ProcessState
	if st == nil {
		return 0, fmt.Errorf("stop rsync daemon: %w", d.waitErr)
	}
	var ee *exec.ExitError
	if d.waitErr != nil && !errors.As(d.waitErr, &ee) {
		return 0, fmt.Errorf("stop rsync daemon: %w", d.waitErr)
	}
	return st.UserTime() + st.SystemTime(), nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

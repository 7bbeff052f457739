package rsync

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Connection sharing for ssh targets (OpenSSH's ControlMaster). Every ssh a
// batch starts, the move script's and the one rsync runs through -e, asks
// for a session on one shared, authenticated connection through a control
// socket, instead of a TCP connect, a key exchange and an authentication of
// its own.
//
// The master is "ssh -M -N -o ControlPersist=masterPersist": once
// authenticated it forks into the background and serves sessions until it
// has had no client for masterPersist, so a luasync killed without Close
// leaves no connection behind for long. A run that finds no live master
// starts one in the background and connects directly, as ssh does when its
// control socket does not exist: sharing never delays or fails a batch. A
// master that fails to start is not tried again for masterRetry.

var (
	masterPersist = time.Minute
	masterRetry   = 30 * time.Second
	masterStart   = time.Minute // bound on the master's connect and authentication
	masterSeq     atomic.Uint64
)

// master is one sink's shared ssh connection.
type master struct {
	sock  string   // the control socket
	start []string // the argv that starts the master
	exit  []string // the argv that stops it (ssh -O exit)
	log   *slog.Logger

	mu        sync.Mutex
	starting  bool
	notBefore time.Time // after a failed start
}

// setupMaster decides whether the sink's ssh runs share a connection, and
// if so adds the control socket to s.ssh. It is off when the operator
// asked (multiplex = false), gave a whole remote shell (rsh), configured
// connection sharing in ssh{} themselves, or the ssh binary is not
// OpenSSH's; and when no private socket directory can be had (a warning,
// not an error: runs then connect directly).
func (s *Sink) setupMaster() {
	o := s.opts.SSH
	if s.opts.Target.Kind != SSH || s.opts.Rsh != "" || o.NoMultiplex || mentionsControl(o) || !isOpenSSH(s.ssh[0]) {
		return
	}
	dir, err := socketDir()
	if err != nil {
		s.log.Warn("ssh: no private directory for the shared connection's socket; each run connects on its own",
			"sink", s.String(), "err", err)
		return
	}
	sock := filepath.Join(dir, strconv.Itoa(os.Getpid())+"-"+strconv.FormatUint(masterSeq.Add(1), 10))
	host := s.opts.Target.userHost()
	base := append([]string(nil), s.ssh...)
	m := &master{sock: sock, log: s.log.With("sink", s.String(), "socket", sock)}
	m.start = append(append(append([]string(nil), base...), "-o", "ControlPath="+sock,
		"-o", "ControlMaster=yes", "-o", "ControlPersist="+strconv.Itoa(int(masterPersist.Seconds())), "-N"), host)
	m.exit = append(append(append([]string(nil), base...), "-o", "ControlPath="+sock, "-O", "exit"), host)
	// ControlMaster=no: a client uses the socket when a master is there,
	// and connects on its own when not; it never becomes a master itself.
	s.ssh = append(s.ssh, "-o", "ControlPath="+sock, "-o", "ControlMaster=no")
	s.master = m
}

// mentionsControl reports whether ssh{} already configures connection
// sharing, which luasync then leaves to it.
func mentionsControl(o SSHOptions) bool {
	for _, a := range append(append([]string(nil), o.Options...), o.Extra...) {
		k := strings.ToLower(a)
		if strings.HasPrefix(k, "control") || strings.Contains(k, "-ocontrol") || a == "-S" || a == "-M" {
			return true
		}
	}
	return false
}

// isOpenSSH reports whether bin is OpenSSH's client, whose -o ControlPath
// and ControlMaster other clients (dropbear's dbclient) would refuse.
func isOpenSSH(bin string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "-V").CombinedOutput()
	return err == nil && strings.Contains(string(out), "OpenSSH")
}

// socketDir returns luasync's directory for control sockets:
// $XDG_RUNTIME_DIR/luasync, else TMPDIR/luasync-UID; created 0700, and
// refused unless it is a real directory owned by this user that no one
// else can enter (a socket there is a logged-in connection to the target).
func socketDir() (string, error) {
	dir := filepath.Join(os.TempDir(), "luasync-"+strconv.Itoa(os.Getuid()))
	if rt := os.Getenv("XDG_RUNTIME_DIR"); rt != "" {
		dir = filepath.Join(rt, "luasync")
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !os.IsExist(err) {
		return "", fmt.Errorf("create %s: %w", dir, err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return "", fmt.Errorf("check %s: %w", dir, err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	switch {
	case !fi.IsDir():
		return "", fmt.Errorf("%s: not a directory", dir)
	case !ok || int(st.Uid) != os.Getuid():
		return "", fmt.Errorf("%s: not owned by uid %d", dir, os.Getuid())
	case fi.Mode().Perm()&0o077 != 0:
		return "", fmt.Errorf("%s: mode %v, want 0700", dir, fi.Mode().Perm())
	}
	return dir, nil
}

// ensure starts the master in the background unless it is up, starting,
// or failed less than masterRetry ago. It never blocks on the target.
func (m *master) ensure() {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.starting || time.Now().Before(m.notBefore) || m.up() {
		return
	}
	m.starting = true
	go m.run()
}

// up reports whether a master answers on the socket.
func (m *master) up() bool {
	c, err := net.DialTimeout("unix", m.sock, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// run starts the master and waits until it has authenticated and gone to
// the background, or failed. Its stdio is /dev/null, except stderr, a file
// read when it fails: the background master keeps what it inherited, and a
// pipe would hold Wait until it exits.
func (m *master) run() {
	// A socket left by a master that was killed makes ssh -M give up
	// sharing (ECONNREFUSED: nothing answers on it).
	os.Remove(m.sock)
	errf, err := os.CreateTemp(filepath.Dir(m.sock), "stderr-")
	if err == nil {
		os.Remove(errf.Name())
		defer errf.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), masterStart)
	defer cancel()
	cmd := exec.CommandContext(ctx, m.start[0], m.start[1:]...)
	if errf != nil {
		cmd.Stderr = errf
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	begin := time.Now()
	err = cmd.Run()
	m.mu.Lock()
	m.starting = false
	if err != nil {
		m.notBefore = time.Now().Add(masterRetry)
	}
	m.mu.Unlock()
	if err != nil {
		var msg []byte
		if errf != nil {
			msg = make([]byte, 4096)
			n, _ := errf.ReadAt(msg, 0)
			msg = msg[:n]
		}
		m.log.Warn("ssh: the shared connection did not start; runs connect on their own meanwhile",
			"err", err, "ssh", lastLines(msg, 3), "retry_in", masterRetry)
		return
	}
	m.log.Debug("ssh: shared connection up", "seconds", time.Since(begin).Seconds())
}

// close stops the master (ssh -O exit), if one is up.
func (m *master) close() {
	if m == nil || !m.up() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, m.exit[0], m.exit[1:]...).CombinedOutput(); err != nil {
		m.log.Warn("ssh: stop the shared connection", "err", err, "ssh", lastLines(out, 3))
	}
	os.Remove(m.sock)
}

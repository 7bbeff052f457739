package rsynctest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
)

// SSHD is a running sshd that lets the current user in with a throwaway
// client key. Host keys are not checked (Options says so), since each run
// makes a new one.
type SSHD struct {
	Host         string // 127.0.0.1
	Port         int
	User         string // the current user's login name
	IdentityFile string // the client's private key
	// Options are ssh -o values a client needs: no host key checking, no
	// known_hosts file, only the given identity, quiet.
	Options []string
	// LogFile is sshd's log.
	LogFile string
}

// StartSSHD starts sshd on 127.0.0.1 and a free port, as the current user
// (root in CI), with StrictModes off (t.TempDir's modes would fail it); it
// is stopped in tb.Cleanup. Running as root, it creates sshd's privilege
// separation directory /run/sshd if missing, as the sshd service does.
func StartSSHD(tb testing.TB) *SSHD {
	tb.Helper()
	sshd := Require(tb, "sshd", "apt-get install -y openssh-server")
	keygen := Require(tb, "ssh-keygen", "apt-get install -y openssh-client")
	Require(tb, "ssh", "apt-get install -y openssh-client")
	u, err := user.Current()
	if err != nil {
		tb.Fatalf("current user: %v", err)
	}
	dir := tb.TempDir()
	s := &SSHD{
		Host: "127.0.0.1", User: u.Username,
		IdentityFile: filepath.Join(dir, "client_ed25519"),
		LogFile:      filepath.Join(dir, "sshd.log"),
		Options: []string{"StrictHostKeyChecking=no", "UserKnownHostsFile=/dev/null",
			"IdentitiesOnly=yes", "LogLevel=ERROR"},
	}
	hostKey := filepath.Join(dir, "host_ed25519")
	for _, k := range []string{hostKey, s.IdentityFile} {
		if out, err := exec.Command(keygen, "-q", "-t", "ed25519", "-N", "", "-C", "luasync-test", "-f", k).CombinedOutput(); err != nil {
			tb.Fatalf("ssh-keygen: %v: %s", err, out)
		}
	}
	pub, err := os.ReadFile(s.IdentityFile + ".pub")
	if err != nil {
		tb.Fatal(err)
	}
	mustWrite(tb, filepath.Join(dir, "authorized_keys"), string(pub))
	if os.Geteuid() == 0 {
		if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
			tb.Fatalf("create sshd's privilege separation directory: %v", err)
		}
	}
	conf := filepath.Join(dir, "sshd_config")
	var srv *server
	for range 5 {
		s.Port = freePort(tb)
		mustWrite(tb, conf, s.config(dir, hostKey))
		if srv, err = startServer([]string{sshd, "-D", "-e", "-f", conf}, s.LogFile, s.Port); !errors.Is(err, errExited) {
			break
		}
	}
	if err != nil {
		tb.Fatalf("start sshd: %v\n%s", err, logTail(s.LogFile))
	}
	tb.Cleanup(srv.stop)
	return s
}

func (s *SSHD) config(dir, hostKey string) string {
	return fmt.Sprintf(`Port %d
ListenAddress 127.0.0.1
HostKey %s
PidFile %s/sshd.pid
AuthorizedKeysFile %s/authorized_keys
StrictModes no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin prohibit-password
LogLevel INFO
`, s.Port, hostKey, dir, dir)
}

// Logins counts the logins sshd has accepted so far: one per connection
// that authenticated, however many sessions it then carried.
func (s *SSHD) Logins(tb testing.TB) int {
	tb.Helper()
	b, err := os.ReadFile(s.LogFile)
	if err != nil {
		tb.Fatalf("read sshd's log: %v", err)
	}
	return bytes.Count(b, []byte("Accepted publickey for "))
}

// Args are the ssh options that reach this server: port, identity and
// Options, for running ssh directly in a test.
func (s *SSHD) Args() []string {
	args := []string{"-p", strconv.Itoa(s.Port), "-i", s.IdentityFile}
	for _, o := range s.Options {
		args = append(args, "-o", o)
	}
	return args
}

// Target returns the ssh target for a directory on the server, as rsync
// takes it: "user@127.0.0.1:/dir".
func (s *SSHD) Target(dir string) string {
	return s.User + "@" + s.Host + ":" + dir
}

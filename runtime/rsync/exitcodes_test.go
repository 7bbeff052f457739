package rsync_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/event"
	"github.com/luasync/luasync/runtime/rsync"
	"github.com/luasync/luasync/runtime/rsync/rsynctest"
)

// TestExitCodeTables: lsyncd's rsyncExitCodes and sshExitCodes override
// what an exit status means. A real daemon refuses a wrong password (exit
// 5): retried by default, "die" stops the target (event.Stop, naming the
// table and where the config set it), "ok" takes the run as done. An ssh
// target whose port is closed makes ssh exit 255: the batch is retried by
// default, stopped when sshExitCodes says "die".
func TestExitCodeTables(t *testing.T) {
	d := rsynctest.StartDaemon(t, rsynctest.DaemonOptions{})
	src := t.TempDir()
	write(t, src, "f", "content")
	wrong := filepath.Join(t.TempDir(), "wrong")
	if err := os.WriteFile(wrong, []byte("not-the-password\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		codes map[int]rsync.Class
		want  event.Outcome
		err   string
	}{
		{nil, event.Retry, "exit 5 "},
		{map[int]rsync.Class{5: rsync.Stop}, event.Stop, `exit 5 (error starting client-server protocol`},
		{map[int]rsync.Class{5: rsync.Stop}, event.Stop, `rsyncExitCodes (cfg.lua:7) says "die" for exit 5: this target stops`},
		{map[int]rsync.Class{5: rsync.OK, 23: rsync.Stop}, event.OK, ""},
	} {
		s, err := rsync.New(rsync.Options{Source: src, Target: mustTarget(t, d.Target("m")), PasswordFile: wrong,
			Timeout: 30 * time.Second, ExitCodes: tt.codes, ExitCodesFrom: "cfg.lua:7"})
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range []event.Batch{{create("f")}, {rescan("")}} {
			r := s.Apply(context.Background(), b)[0]
			if r.Outcome != tt.want || (tt.err != "" && !strings.Contains(r.Err.Error(), tt.err)) {
				t.Errorf("codes %v, %v: %v (%v), want %v with %q", tt.codes, b[0], r.Outcome, r.Err, tt.want, tt.err)
			}
		}
	}

	rsynctest.Require(t, "ssh", "apt-get install -y openssh-client")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().(*net.TCPAddr).Port
	l.Close()
	for _, tt := range []struct {
		codes map[int]rsync.Class
		want  event.Outcome
	}{
		{nil, event.Retry},
		{map[int]rsync.Class{255: rsync.Stop}, event.Stop},
	} {
		target := mustTarget(t, "nobody@127.0.0.1:/srv/mirror")
		target.Port = closed
		s, err := rsync.New(rsync.Options{Source: src, Target: target, Delete: true, Timeout: 10 * time.Second, SSHExitCodes: tt.codes,
			SSH: rsync.SSHOptions{Options: []string{"StrictHostKeyChecking=no", "UserKnownHostsFile=/dev/null", "BatchMode=yes"}}})
		if err != nil {
			t.Fatal(err)
		}
		write(t, src, "g", "moved here")
		r := s.Apply(context.Background(), event.Batch{move("f0", "g")})[0]
		if r.Outcome != tt.want || (tt.want == event.Stop && !strings.Contains(r.Err.Error(), `sshExitCodes says "die" for exit 255`)) {
			t.Errorf("sshExitCodes %v: %v (%v), want %v", tt.codes, r.Outcome, r.Err, tt.want)
		}
		s.Close()
	}
}

// TestDeleteModes: lsyncd's delete = "startup" deletes in full syncs only,
// "running" everywhere but in full syncs, on every kind of target.
func TestDeleteModes(t *testing.T) {
	for _, kind := range targetKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			for _, mode := range []struct {
				name       string
				live, full bool
			}{{"startup", false, true}, {"running", true, false}} {
				s, src, mirror := newSink(t, kind, func(o *rsync.Options) { o.Delete, o.FullDelete = mode.live, mode.full })
				mkdir(t, src, "d")
				write(t, src, "d/keep", "k")
				write(t, src, "gone", "g")
				apply(t, s, rescan(""))
				write(t, mirror, "stray", "only on the mirror")
				write(t, mirror, "d/stray", "only on the mirror")
				removeAll(t, src, "gone")
				apply(t, s, del("gone"), rescan("d"))
				exists(t, mirror, "gone", !mode.live)
				exists(t, mirror, "d/stray", !mode.live)
				apply(t, s, rescan(""))
				exists(t, mirror, "stray", !mode.full)
				exists(t, mirror, "gone", !mode.live && !mode.full)
			}
		})
	}
}

func exists(t *testing.T, root, rel string, want bool) {
	t.Helper()
	_, err := os.Lstat(filepath.Join(root, rel))
	if got := err == nil; got != want {
		t.Errorf("%s on the mirror: exists = %v, want %v", rel, got, want)
	}
}

package rsync_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/luasync/luasync/runtime/rsync"
	"github.com/luasync/luasync/runtime/rsync/rsynctest"
)

// TestSSHWithRsh: an operator's whole remote shell (rsync = { rsh = ... })
// is used for rsync and, split the way rsync splits it, for the move
// script, which still renames.
func TestSSHWithRsh(t *testing.T) {
	sshd := rsynctest.StartSSHD(t)
	keyDir := filepath.Join(t.TempDir(), "key's dir")
	if err := os.Mkdir(keyDir, 0o700); err != nil {
		t.Fatal(err)
	}
	key := filepath.Join(keyDir, "id")
	b, err := os.ReadFile(sshd.IdentityFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, b, 0o600); err != nil {
		t.Fatal(err)
	}
	rsh := "ssh -p " + strconv.Itoa(sshd.Port) + " -i '" + strings.ReplaceAll(key, "'", "''") + "'"
	for _, o := range sshd.Options {
		rsh += " -o " + o
	}
	kind := targetKind{"ssh-rsh", true, func(t testing.TB, opts *rsync.Options) string {
		mirror := filepath.Join(t.TempDir(), "mirror")
		opts.Target = mustTarget(t, sshd.Target(mirror))
		opts.Rsh = rsh
		return mirror
	}}
	s, src, mirror := newSink(t, kind, nil)
	write(t, src, "a", "a")
	mkdir(t, src, "d")
	write(t, src, "d/x", "x")
	apply(t, s, rescan(""))
	a := lstat(t, mirror, "a")
	rename(t, src, "a", "b")
	removeAll(t, src, "d")
	apply(t, s, move("a", "b"), delDir("d"))
	same(t, src, mirror)
	if !os.SameFile(a, lstat(t, mirror, "b")) {
		t.Error("the move was not a rename")
	}
}

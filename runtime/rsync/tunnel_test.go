package rsync_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/luasync/luasync/runtime/event"
	"github.com/luasync/luasync/runtime/rsync"
	"github.com/luasync/luasync/runtime/rsync/rsynctest"
)

// daemonsTunnel hands out the targets of real rsync daemons in turn, as a
// pool-mode tunnel hands out its processes' ports, or none while down.
type daemonsTunnel struct {
	mu      sync.Mutex
	targets []rsync.Target
	next    int
	down    bool
}

func (d *daemonsTunnel) Target() (rsync.Target, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.down {
		return rsync.Target{}, false
	}
	t := d.targets[d.next%len(d.targets)]
	d.next++
	return t, true
}

func (d *daemonsTunnel) String() string { return "rsync://luasync@localhost:^localport/mod" }

// TestTunnelTargetPerBatch: with a Tunnel, each batch goes to the target
// it hands out (here two real daemons, taken in turn), never to the
// stand-in Target; while it hands out none, a batch is retried, not
// failed; the sink is named by the target as written.
func TestTunnelTargetPerBatch(t *testing.T) {
	one := rsynctest.StartDaemon(t, rsynctest.DaemonOptions{Password: "pw"})
	two := rsynctest.StartDaemon(t, rsynctest.DaemonOptions{Password: "pw"})
	tun := &daemonsTunnel{targets: []rsync.Target{mustTarget(t, one.URL), mustTarget(t, two.URL)}}
	src := t.TempDir()
	s, err := rsync.New(rsync.Options{Source: src, Target: mustTarget(t, "rsync://luasync@localhost:1/mod"),
		PasswordFile: one.PasswordFile, Delete: true, Tunnel: tun})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.String(), "rsync:"+tun.String(); got != want {
		t.Errorf("sink name = %q, want %q", got, want)
	}
	write(t, src, "a", "first batch")
	apply(t, s, create("a"))
	write(t, src, "b", "second batch")
	s.Prepare() // a run started ahead takes the tunnel's next target too
	apply(t, s, create("b"))
	lstat(t, one.Dir, "a")
	lstat(t, two.Dir, "b")

	tun.mu.Lock()
	tun.down = true
	tun.mu.Unlock()
	res := s.Apply(context.Background(), event.Batch{create("a")})
	if res[0].Outcome != event.Retry || !strings.Contains(res[0].Err.Error(), "the tunnel has no ready process") {
		t.Errorf("batch while the tunnel is down: %v (%v), want Retry saying so", res[0].Outcome, res[0].Err)
	}
}

package rsync_test

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/event"
	"github.com/luasync/luasync/runtime/rsync"
	"github.com/luasync/luasync/runtime/rsync/rsynctest"
	"github.com/luasync/luasync/runtime/tunnel"
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

// BenchmarkTunnelBatch is what going through an ssh port forward costs a
// batch: one new file, and 1,000 new 1 KB files, sent to a daemon directly
// and through a forward that package tunnel runs (ssh -N -L to a real
// sshd, up once rsync lists the daemon's modules through it).
func BenchmarkTunnelBatch(b *testing.B) {
	for _, files := range []int{1, 1000} {
		for _, via := range []string{"direct", "forward"} {
			b.Run(fmt.Sprintf("files=%d/%s", files, via), func(b *testing.B) {
				d := rsynctest.StartDaemon(b, rsynctest.DaemonOptions{})
				target := mustTarget(b, d.URL)
				if via == "forward" {
					target = forwardTarget(b, d)
				}
				src := b.TempDir()
				s, err := rsync.New(rsync.Options{Source: src, Target: target, PasswordFile: d.PasswordFile, Delete: true})
				if err != nil {
					b.Fatal(err)
				}
				content := string(make([]byte, 1024))
				for i := 0; b.Loop(); i++ {
					b.StopTimer()
					dir := fmt.Sprintf("it%d", i)
					mkdir(b, src, dir)
					batch := event.Batch{createDir(dir)}
					for f := range files {
						write(b, src, fmt.Sprintf("%s/f%04d", dir, f), content)
					}
					b.StartTimer()
					apply(b, s, batch...)
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/batch")
			})
		}
	}
}

// forwardTarget runs a one-process pool tunnel to d through a real sshd
// until the benchmark ends, and returns d's target through it.
func forwardTarget(b *testing.B, d *rsynctest.Daemon) rsync.Target {
	sshd := rsynctest.StartSSHD(b)
	command := append([]string{"ssh", "-N", "-o", "BatchMode=yes", "-o", "ExitOnForwardFailure=yes"}, sshd.Args()...)
	command = append(command, "-L", "127.0.0.1:^localport:127.0.0.1:"+strconv.Itoa(d.Port), sshd.User+"@"+sshd.Host)
	tun := tunnel.New(tunnel.Options{Mode: tunnel.Pool, Parallel: 1, Localhost: "127.0.0.1", Command: command,
		CheckCommand: []string{"rsync", "rsync://^localhost:^localport/"}, ReadyDelay: 100 * time.Millisecond,
		RetryDelay: time.Second, CheckMaxFailed: 60, Logger: slog.New(slog.DiscardHandler)})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tun.Run(ctx) }()
	b.Cleanup(func() { cancel(); <-done })
	for deadline := time.Now().Add(time.Minute); tun.State() != tunnel.Up; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatalf("the forward was not up within a minute: %v", tun.Status())
		}
	}
	e, _ := tun.Endpoint()
	return mustTarget(b, tunnel.Expand("rsync://"+d.User+"@^localhost:^localport/"+d.Module, e))
}

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/rsync/rsynctest"
)

// listener is a TCP listener for the socket plugin that records every
// JSON line it reads, and can go down and come back on the same port.
type listener struct {
	t    *testing.T
	addr string
	mu   sync.Mutex
	ln   net.Listener
	got  []map[string]any
}

func newListener(t *testing.T) *listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	l := &listener{t: t, addr: ln.Addr().String()}
	l.serve(ln)
	t.Cleanup(l.down)
	return l
}

func (l *listener) serve(ln net.Listener) {
	l.mu.Lock()
	l.ln = ln
	l.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				sc := bufio.NewScanner(c)
				for sc.Scan() {
					var m map[string]any
					if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
						l.t.Errorf("socket plugin sent %q: %v", sc.Text(), err)
						return
					}
					l.mu.Lock()
					l.got = append(l.got, m)
					l.mu.Unlock()
				}
			}()
		}
	}()
}

// down closes the listener and every connection it accepted.
func (l *listener) down() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ln != nil {
		l.ln.Close()
		l.ln = nil
	}
}

// up listens again on the same address.
func (l *listener) up() {
	ln, err := net.Listen("tcp", l.addr)
	must(l.t, err)
	l.serve(ln)
}

func (l *listener) paths() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, m := range l.got {
		if p, ok := m["path"].(string); ok {
			out = append(out, p)
		}
	}
	return out
}

// One sync, three sinks: an rsync daemon target, the socket plugin and a
// third-party plugin. The socket plugin's listener is down for 20 s; that
// holds back neither the target nor the other plugin, and once it is back
// it gets every change, and then new ones in order.
func TestPluginDownHoldsBackNoOtherSink(t *testing.T) {
	target := rsynctest.StartDaemon(t, rsynctest.DaemonOptions{})
	root := t.TempDir()
	src := filepath.Join(root, "src")
	must(t, os.Mkdir(src, 0o755))
	events := filepath.Join(root, "events")
	l := newListener(t)
	l.down()
	downAt := time.Now()
	cfg := writeConfig(t, root, fmt.Sprintf(`
settings { logLevel = "debug", failLog = %q, shutdownGrace = 3 }
sync { default.rsync, name = "www", source = %q, target = %q, rsync = { password_file = %q },
       delay = 0.05, retry = { attempts = 3, initial = 0.2, max = 1 },
       plugins = { socket{ address = %q }, plugin{ path = %q, config = { log = %q } } } }
`, filepath.Join(root, "fail.log"), src, target.Target(""), target.PasswordFile, l.addr, testPluginPath(t), events))
	p := startRunning(t, cfg)
	first := numbered("a", 50)
	for _, n := range first {
		writeFile(t, filepath.Join(src, n), n)
	}
	waitIdentical(t, src, target.Dir)
	waitFor(t, "the other plugin to get every change", func() (bool, string) { return seenAll(t, events, first) })
	if time.Since(downAt) > 20*time.Second {
		t.Logf("the machine is slow: the target and the plugin took %v (the listener was down all along)", time.Since(downAt))
	}
	time.Sleep(time.Until(downAt.Add(20 * time.Second)))
	l.up()
	second := numbered("b", 30)
	for _, n := range second {
		writeFile(t, filepath.Join(src, n), n)
		time.Sleep(5 * time.Millisecond)
	}
	waitFor(t, "the socket listener to get every change", func() (bool, string) {
		got := map[string]bool{}
		for _, p := range l.paths() {
			got[p] = true
		}
		var missing []string
		for _, n := range append(first, second...) {
			if !got[n] {
				missing = append(missing, n)
			}
		}
		return len(missing) == 0, fmt.Sprintf("missing %d: %q", len(missing), head(missing, 5))
	})
	// With the listener up and connected, changes arrive in the order
	// they were made. (Across an outage they need not: what is retried
	// may come after what was made later; each path's own changes stay in
	// order, since the queue merges them.)
	third := numbered("c", 30)
	for _, n := range third {
		writeFile(t, filepath.Join(src, n), n)
		time.Sleep(5 * time.Millisecond)
	}
	if !strings.Contains(p.out.String(), "replaying the plugin's events from the fail log") {
		t.Error("the changes that went to the fail log while the listener was down were not replayed from it")
	}
	var order []string
	waitFor(t, "the listener to get the changes made while it was up", func() (bool, string) {
		order = order[:0]
		for _, p := range l.paths() {
			if strings.HasPrefix(p, "c") {
				order = append(order, p)
			}
		}
		return len(order) >= len(third), fmt.Sprintf("%q", order)
	})
	for i := 1; i < len(order); i++ {
		if order[i] < order[i-1] {
			t.Errorf("changes made in order arrived out of order: %q", order)
			break
		}
	}
	waitIdentical(t, src, target.Dir)
	if code, _ := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}
}

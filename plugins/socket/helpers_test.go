package socket

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/luasync/luasync/plugins/sdk"
	"github.com/luasync/luasync/plugins/sdk/sdktest"
)

// wait is the generous deadline of every wait in these tests.
const wait = time.Minute

// server is a real listener on loopback, TCP or a Unix socket, that
// hands over each connection it accepts.
type server struct {
	t       *testing.T
	network string
	addr    string
	ln      net.Listener
	conns   chan *peer

	mu       sync.Mutex
	accepted []net.Conn // closed at the end of the test
}

// peer is one accepted connection, read a line at a time.
type peer struct {
	conn net.Conn
	r    *bufio.Reader
}

func listen(t *testing.T, network string) *server {
	t.Helper()
	s := &server{t: t, network: network, addr: "127.0.0.1:0"}
	if network == "unix" {
		// Short: a Unix socket's path must fit in 108 bytes.
		dir, err := os.MkdirTemp("", "sock")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		s.addr = filepath.Join(dir, "s.sock")
	}
	s.start()
	s.addr = s.ln.Addr().String()
	t.Cleanup(func() {
		s.ln.Close()
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, c := range s.accepted {
			c.Close()
		}
	})
	return s
}

// start listens on s.addr (again) and accepts in the background.
func (s *server) start() {
	s.t.Helper()
	ln, err := net.Listen(s.network, s.addr)
	if err != nil {
		s.t.Fatalf("listen on %s: %v", s.addr, err)
	}
	s.ln = ln
	s.conns = make(chan *peer, 16)
	go func(conns chan *peer) {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.accepted = append(s.accepted, c)
			s.mu.Unlock()
			conns <- &peer{conn: c, r: bufio.NewReader(c)}
		}
	}(s.conns)
}

// stop closes the listener (and, for a Unix socket, removes its file).
func (s *server) stop() {
	s.ln.Close()
	if s.network == "unix" {
		os.Remove(s.addr)
	}
}

// address is the plugin's address key for s.
func (s *server) address() string {
	if s.network == "unix" {
		return "unix:" + s.addr
	}
	return s.addr
}

// accept waits for the plugin to connect.
func (s *server) accept() *peer {
	s.t.Helper()
	select {
	case p := <-s.conns:
		return p
	case <-time.After(wait):
		s.t.Fatalf("no connection to %s within %v", s.addr, wait)
		return nil
	}
}

// lines reads n lines, each with its "\n".
func (p *peer) lines(t *testing.T, n int) []string {
	t.Helper()
	p.conn.SetReadDeadline(time.Now().Add(wait))
	out := make([]string, n)
	for i := range out {
		line, err := p.r.ReadString('\n')
		if err != nil {
			t.Fatalf("read line %d of %d: %v (got %q)", i+1, n, err, out[:i])
		}
		out[i] = line
	}
	return out
}

// hangUp closes the connection, and waits until the plugin's end has
// seen it (for TCP, the kernel's CLOSE_WAIT; a Unix socket's close is
// seen at once).
func (s *server) hangUp(p *peer) {
	s.t.Helper()
	p.conn.Close()
	tcp, ok := p.conn.RemoteAddr().(*net.TCPAddr)
	if !ok {
		return
	}
	local := fmt.Sprintf(":%04X ", tcp.Port)
	deadline := time.Now().Add(wait)
	for {
		b, err := os.ReadFile("/proc/net/tcp")
		if err != nil {
			s.t.Fatalf("read /proc/net/tcp: %v", err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line)
			if len(f) > 3 && strings.HasSuffix(f[1]+" ", local) && f[3] == "08" { // 08: CLOSE_WAIT
				return
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the plugin's end of %v never saw the close", tcp)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// start is a configured plugin on a real gRPC connection.
func start(t *testing.T, values map[string]any) *sdk.Client {
	t.Helper()
	c := sdktest.Start(t, New())
	if err := c.Configure(context.Background(), &sdk.Config{Sync: "www", Source: "/srv/www", Values: values}); err != nil {
		t.Fatalf("configure %v: %v", values, err)
	}
	return c
}

// handle sends events and returns the results by ID.
func handle(t *testing.T, c *sdk.Client, events ...sdk.Event) map[uint64]sdk.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*wait)
	defer cancel()
	res, err := c.Handle(ctx, events)
	if err != nil {
		t.Fatalf("handle: %v", err)
	}
	byID := map[uint64]sdk.Result{}
	for _, r := range res {
		byID[r.ID] = r
	}
	if len(byID) != len(events) {
		t.Fatalf("%d results for %d events: %v", len(byID), len(events), res)
	}
	return byID
}

// deliver sends events as the host does: again and again, each time
// what came back Retry, until everything is done.
func deliver(t *testing.T, c *sdk.Client, events ...sdk.Event) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for len(events) > 0 {
		res := handle(t, c, events...)
		var again []sdk.Event
		for _, ev := range events {
			switch r := res[ev.ID]; r.Outcome {
			case sdk.OK:
			case sdk.Retry:
				again = append(again, ev)
			default:
				t.Fatalf("event %d: %v %s", ev.ID, r.Outcome, r.Reason)
			}
		}
		if len(again) > 0 && time.Now().After(deadline) {
			t.Fatalf("still retried after %v: %v", wait, res[again[0].ID].Reason)
		}
		if len(again) > 0 {
			time.Sleep(50 * time.Millisecond)
		}
		events = again
	}
}

// numbered gives events IDs from first on, in order.
func numbered(first uint64, events ...sdk.Event) []sdk.Event {
	for i := range events {
		events[i].ID = first + uint64(i)
	}
	return events
}

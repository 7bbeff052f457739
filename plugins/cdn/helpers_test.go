package cdn

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/luasync/luasync/plugins/sdk"
)

// secret is the API token in every test; no log line or reason may hold it.
const secret = "tok-3f9c2a7d1e-SECRET"

// tokenFile writes secret to a file, as an operator would.
func tokenFile(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(p, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// plugin is a configured cdn plugin behind a real gRPC connection, with
// its log kept for inspection.
type plugin struct {
	t      *testing.T
	client *sdk.Client
	logs   *syncBuffer
}

func start(t *testing.T, values map[string]any) *plugin {
	t.Helper()
	p := New()
	logs := &syncBuffer{}
	p.log = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := serve(t, p)
	if err := c.Configure(ctx(t), &sdk.Config{Sync: "www", Source: "/srv/www", Values: values}); err != nil {
		t.Fatalf("configure: %v", err)
	}
	t.Cleanup(func() {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the token is in the log:\n%s", logs.String())
		}
	})
	return &plugin{t: t, client: c, logs: logs}
}

// handle sends events and returns the results by event ID, checking that
// every event has exactly one and that no reason holds the token.
func (p *plugin) handle(events ...sdk.Event) map[uint64]sdk.Result {
	p.t.Helper()
	results, err := p.client.Handle(ctx(p.t), events)
	if err != nil {
		p.t.Fatalf("handle: %v", err)
	}
	out := map[uint64]sdk.Result{}
	for _, r := range results {
		if _, dup := out[r.ID]; dup {
			p.t.Errorf("two results for event %d", r.ID)
		}
		if strings.Contains(r.Reason, secret) {
			p.t.Errorf("event %d: the token is in the reason %q", r.ID, r.Reason)
		}
		out[r.ID] = r
	}
	for _, ev := range events {
		if _, ok := out[ev.ID]; !ok {
			p.t.Errorf("no result for event %d (%s %q)", ev.ID, ev.Op, ev.Path)
		}
	}
	return out
}

// wantOutcome checks one event's outcome, and that the reason names want.
func wantOutcome(t *testing.T, r sdk.Result, o sdk.Outcome, reasonHas string) {
	t.Helper()
	if r.Outcome != o || !strings.Contains(r.Reason, reasonHas) {
		t.Errorf("event %d: got %s %q, want %s with %q", r.ID, r.Outcome, r.Reason, o, reasonHas)
	}
}

// serve runs p on a real gRPC connection over loopback TCP, as
// sdktest.Start does. It does not use sdktest.Start: that one's cleanup
// stops go-plugin's server twice at once (client.Close's Shutdown RPC and
// server.Stop), a data race that fails -race runs at random (seen in
// plugins/sdk's own tests too).
func serve(t *testing.T, p sdk.Plugin) *sdk.Client {
	t.Helper()
	srv := grpc.NewServer()
	if err := (&sdk.GRPCPlugin{Impl: p}).GRPCServer(nil, srv); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	conn, err := grpc.NewClient(l.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Close()
		srv.Stop()
	})
	return sdk.NewClient(conn)
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

func ev(id uint64, op sdk.Op, path string) sdk.Event {
	return sdk.Event{ID: id, Op: op, Path: path, Size: -1}
}

// standIn is an HTTP server on 127.0.0.1 that plays a provider's API: it
// records every request and answers with reply (n counts from 1).
type standIn struct {
	*httptest.Server
	mu    sync.Mutex
	reqs  []recorded
	reply func(n int, r recorded, w http.ResponseWriter)
}

type recorded struct {
	method, path string // path as sent, escaped
	header       http.Header
	body         []byte
	at           time.Time
}

func newStandIn(t *testing.T, reply func(n int, r recorded, w http.ResponseWriter)) *standIn {
	s := &standIn{reply: reply}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec := recorded{method: r.Method, path: r.URL.EscapedPath(), header: r.Header.Clone(), body: body, at: time.Now()}
		s.mu.Lock()
		s.reqs = append(s.reqs, rec)
		n := len(s.reqs)
		s.mu.Unlock()
		s.reply(n, rec, w)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *standIn) requests() []recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]recorded(nil), s.reqs...)
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

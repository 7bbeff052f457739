package pluginhost

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/event"
)

// testPlugin is the test plugin's binary (testdata/testplugin), built once.
var testPlugin string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	goTool, err := exec.LookPath("go")
	if err != nil {
		fmt.Fprintln(os.Stderr, "pluginhost tests build a plugin with the go tool, which is not in $PATH: "+
			"install Go (https://go.dev/dl/) and put its bin directory in $PATH")
		return 1
	}
	dir, err := os.MkdirTemp("", "pluginhost-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	testPlugin = filepath.Join(dir, "testplugin")
	out, err := exec.Command(goTool, "build", "-o", testPlugin, "./testdata/testplugin").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build the test plugin: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// logBuffer collects the host's log lines, as JSON, for tests to read.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// options runs the test plugin with cfg; env sets its Info (see the
// plugin's doc). The host's log is in the returned buffer, and in the
// test's output when it fails.
func options(t *testing.T, cfg map[string]any, env ...string) (Options, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("host log:\n%s", logs)
		}
	})
	return Options{
		Name:         "test/plugin:testplugin",
		Command:      []string{testPlugin},
		MTLS:         true,
		Config:       cfg,
		Sync:         "test",
		Source:       t.TempDir(),
		Env:          env,
		Timeout:      30 * time.Second,
		StartTimeout: 60 * time.Second,
		Backoff:      Backoff{Initial: 50 * time.Millisecond, Max: time.Second},
		Logger:       slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}, logs
}

func start(t *testing.T, o Options) *Host {
	t.Helper()
	h, err := Start(context.Background(), o)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// handled is one line of the test plugin's event log.
type handled struct {
	pid        int
	op         string
	path, from string
	again      bool // the event said it was sent before
}

func readHandled(t *testing.T, file string) []handled {
	t.Helper()
	f, err := os.Open(file)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []handled
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// pid op "path" "from": the quoted fields hold no bare spaces
		// only after unquoting, so split on the first two spaces and
		// then unquote one Go string after another.
		pid, rest, _ := strings.Cut(sc.Text(), " ")
		op, rest, _ := strings.Cut(rest, " ")
		path, rest := unquoteFirst(t, rest)
		from, rest := unquoteFirst(t, strings.TrimPrefix(rest, " "))
		n, err := strconv.Atoi(pid)
		if err != nil {
			t.Fatalf("bad line %q", sc.Text())
		}
		out = append(out, handled{pid: n, op: op, path: path, from: from, again: rest == " again"})
	}
	return out
}

func unquoteFirst(t *testing.T, s string) (string, string) {
	t.Helper()
	q, err := strconv.QuotedPrefix(s)
	if err != nil {
		t.Fatalf("bad quoted field in %q: %v", s, err)
	}
	u, _ := strconv.Unquote(q)
	return u, s[len(q):]
}

// calls reads the test plugin's call log: pid, events, calls in flight.
func readCalls(t *testing.T, file string) [][3]int {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out [][3]int
	for line := range strings.Lines(string(data)) {
		var c [3]int
		if _, err := fmt.Sscan(line, &c[0], &c[1], &c[2]); err != nil {
			t.Fatalf("bad call line %q: %v", line, err)
		}
		out = append(out, c)
	}
	return out
}

func creates(paths ...string) event.Batch {
	b := make(event.Batch, len(paths))
	for i, p := range paths {
		b[i] = event.Event{Op: event.Create, Path: p}
	}
	return b
}

// eventually polls cond until it holds, for up to a minute: long enough
// for a slow, busy machine.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

package sdk_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"

	"github.com/luasync/luasync/plugins/sdk"
)

// The example plugins under examples/plugins, run as luasync's host runs a
// plugin: a real subprocess, started and spoken to by go-plugin's client.
// Both append events to a file as JSON lines, in the same format, so one
// scenario checks both.

const (
	goExample    = "../../examples/plugins/go-jsonl"
	pythonScript = "../../examples/plugins/python/jsonl_plugin.py"
	// Debian's Python, which has the packages the example needs; the
	// python3 on PATH may be another one.
	systemPython  = "/usr/bin/python3"
	installPython = "apt-get install -y python3-grpcio python3-protobuf python3-cryptography"
	generousWait  = 2 * time.Minute // a slow, busy machine
)

func TestExamplePlugins(t *testing.T) {
	goPlugin := buildGoExample(t)
	python := pythonExample(t)
	for _, tc := range []struct {
		name string
		path string
		mtls bool
		// logLevels: the plugin's JSON log lines reach the host's log at
		// their own level.
		logLevels bool
	}{
		{"go", goPlugin, true, true},
		{"python", python, true, true},
		{"python without mtls", python, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) { exerciseJSONL(t, tc.path, tc.mtls, tc.logLevels) })
	}
}

// TestGoExampleOwnTests runs the Go example's tests, which `go test ./...`
// at the repository root does not reach: the example is a module of its
// own, as a third-party plugin is.
func TestGoExampleOwnTests(t *testing.T) {
	cmd := exec.Command(goTool(t), "test", "-count=1", "./...")
	cmd.Dir = goExample
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go test in %s: %v\n%s", goExample, err, out)
	}
}

// TestExamplesRefuseToRunByHand: without the host's cookie a plugin says
// what it is and exits 1, instead of printing a handshake to a terminal.
func TestExamplesRefuseToRunByHand(t *testing.T) {
	for name, path := range map[string]string{"go": buildGoExample(t), "python": pythonExample(t)} {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(path)
			cmd.Env = withoutCookie(os.Environ())
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 {
				t.Fatalf("run by hand: %v, want exit status 1\nstderr: %s", err, stderr.Bytes())
			}
			if stdout.Len() != 0 || !strings.Contains(stderr.String(), "plugin") {
				t.Fatalf("run by hand: stdout %q, stderr %q; want nothing on stdout and a word on stderr", stdout.Bytes(), stderr.Bytes())
			}
		})
	}
}

// TestPythonExampleStopsOnSIGTERM: a plugin outside go-plugin's Go server
// must end on SIGTERM by itself.
func TestPythonExampleStopsOnSIGTERM(t *testing.T) {
	cmd := exec.Command(pythonExample(t))
	cmd.Env = append(withoutCookie(os.Environ()), sdk.Handshake.MagicCookieKey+"="+sdk.Handshake.MagicCookieValue)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	line := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(stdout).ReadString('\n')
		line <- l
		done <- cmd.Wait()
	}()
	select {
	case l := <-line:
		if !strings.HasPrefix(l, "1|1|tcp|127.0.0.1:") || !strings.HasSuffix(l, "|grpc\n") {
			t.Fatalf("handshake line %q", l)
		}
	case <-time.After(generousWait):
		cmd.Process.Kill()
		t.Fatalf("no handshake line; stderr: %s", stderr.Bytes())
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("after SIGTERM: %v; stderr: %s", err, stderr.Bytes())
		}
	case <-time.After(generousWait):
		cmd.Process.Kill()
		t.Fatalf("still running %v after SIGTERM", generousWait)
	}
}

// jsonLine is one line the examples write; unknown fields are an error, so
// that the two examples keep one format.
type jsonLine struct {
	Time    string  `json:"time"`
	Sync    string  `json:"sync"`
	Op      string  `json:"op"`
	Path    *string `json:"path"`
	PathB64 string  `json:"path_b64"`
	From    *string `json:"from"`
	FromB64 string  `json:"from_b64"`
	IsDir   bool    `json:"is_dir"`
	Size    int64   `json:"size"`
}

func exerciseJSONL(t *testing.T, path string, mtls, logLevels bool) {
	ctx, cancel := context.WithTimeout(context.Background(), generousWait)
	defer cancel()
	var hostLog lockedBuffer
	c := startPlugin(t, path, mtls, &hostLog)
	defer func() {
		if t.Failed() {
			t.Logf("host log:\n%s", hostLog.String())
		}
	}()

	info, err := c.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(info.Name, "jsonl") || info.Version == "" {
		t.Errorf("info = %+v", info)
	}

	dir := t.TempDir()
	file := filepath.Join(dir, "events.jsonl")
	err = c.Configure(ctx, &sdk.Config{Sync: "www", Values: map[string]any{"file": "relative.jsonl", "fsync": "yes", "colour": "blue"}})
	wantMistakes(t, err, map[string]string{"file": "not an absolute path", "fsync": "want true or false", "colour": "unknown key"})
	err = c.Configure(ctx, &sdk.Config{Sync: "www", Values: map[string]any{"file": filepath.Join(dir, "no such dir", "x.jsonl")}})
	wantMistakes(t, err, map[string]string{"file": "o such file"})
	if err := c.Configure(ctx, &sdk.Config{Sync: "www", Check: true, Values: map[string]any{"file": file}}); err != nil {
		t.Fatalf("configure under luasync check: %v", err)
	}
	if _, err := os.Stat(file); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("luasync check created the file (stat: %v)", err)
	}
	if err := c.Configure(ctx, &sdk.Config{Sync: "www", Source: "/srv/www\xff", Values: map[string]any{"file": file, "fsync": true}}); err != nil {
		t.Fatalf("configure: %v", err)
	}

	when := time.Date(2026, 12, 3, 10, 0, 0, 5, time.UTC)
	batches := [][]sdk.Event{{
		{ID: 1, Op: sdk.Create, Path: "new\nline.txt", Time: when, Size: 12},
		{ID: 2, Op: sdk.Modify, Path: `say "hi" and 'bye'.txt`, Time: when, Size: 0},
		{ID: 3, Op: sdk.Attrib, Path: "-rf", Time: when, Size: -1},
		{ID: 4, Op: sdk.Create, Path: "dir/$(touch pwned)/x", Time: when, Size: 1},
	}, {
		{ID: 1, Op: sdk.Move, Path: "-n ok", From: "latin1 \xe9t\xe9\xff", Time: when, Size: 5},
		{ID: 2, Op: sdk.Delete, Path: "gone\xfe/", IsDir: true, Time: when, Size: -1},
		{ID: 3, Op: sdk.Full, Path: "", IsDir: true, Time: when, Size: -1},
	}}
	var want []sdk.Event
	for _, batch := range batches {
		results, err := c.Handle(ctx, batch)
		if err != nil {
			t.Fatal(err)
		}
		wantAllOK(t, batch, results)
		want = append(want, batch...)
	}
	checkLines(t, file, "www", want)

	if err := c.Ping(); err != nil {
		t.Errorf("health check: %v", err)
	}
	c.Kill()
	log := hostLog.String()
	if strings.Contains(log, "failed to exit gracefully") {
		t.Error("the plugin did not stop when the host asked it to (GRPCController.Shutdown)")
	}
	line := "appending events"
	if logLevels {
		line = "[INFO]  host." + filepath.Base(path) + ": appending events: "
	}
	if !strings.Contains(log, line) {
		t.Errorf("the host log lacks the plugin's line %q", line)
	}
}

// pluginClient is what a test holds of a running plugin.
type pluginClient struct {
	*sdk.Client
	Ping func() error
	Kill func()
}

func startPlugin(t *testing.T, path string, mtls bool, log *lockedBuffer) pluginClient {
	t.Helper()
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  sdk.Handshake,
		Plugins:          sdk.Plugins,
		Cmd:              exec.Command(path),
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		AutoMTLS:         mtls,
		StartTimeout:     generousWait,
		Logger:           hclog.New(&hclog.LoggerOptions{Name: "host", Output: log, Level: hclog.Debug}),
	})
	t.Cleanup(client.Kill)
	rpc, err := client.Client()
	if err != nil {
		t.Fatalf("start %s: %v\n%s", path, err, log.String())
	}
	raw, err := rpc.Dispense(sdk.Name)
	if err != nil {
		t.Fatalf("dispense %s: %v", path, err)
	}
	return pluginClient{Client: raw.(*sdk.Client), Ping: rpc.Ping, Kill: client.Kill}
}

func wantMistakes(t *testing.T, err error, want map[string]string) {
	t.Helper()
	var errs sdk.ConfigErrors
	if !errors.As(err, &errs) {
		t.Fatalf("configure: %v (%T), want config mistakes", err, err)
	}
	got := map[string]string{}
	for _, e := range errs {
		got[e.Key] = e.Message
	}
	if len(got) != len(want) {
		t.Errorf("mistakes %v, want one for each of %v", errs, want)
	}
	for key, says := range want {
		if !strings.Contains(got[key], says) {
			t.Errorf("mistake in %q: %q, want it to say %q (all: %v)", key, got[key], says, errs)
		}
	}
}

func wantAllOK(t *testing.T, batch []sdk.Event, results []sdk.Result) {
	t.Helper()
	seen := map[uint64]bool{}
	for _, r := range results {
		if r.Outcome != sdk.OK || seen[r.ID] {
			t.Errorf("result %+v (of %+v)", r, results)
		}
		seen[r.ID] = true
	}
	for _, ev := range batch {
		if !seen[ev.ID] {
			t.Errorf("no result for event %d", ev.ID)
		}
	}
}

// checkLines reads the plugin's file back and compares each line with the
// event it was written for, byte for byte in the paths.
func checkLines(t *testing.T, file, sync string, want []sdk.Event) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), data)
	}
	for i, text := range lines {
		dec := json.NewDecoder(strings.NewReader(text))
		dec.DisallowUnknownFields()
		var l jsonLine
		if err := dec.Decode(&l); err != nil {
			t.Errorf("line %d: %v: %s", i+1, err, text)
			continue
		}
		ev := want[i]
		got := sdk.Event{ID: ev.ID, Op: opOf(t, l.Op), Path: pathOf(t, l.Path, l.PathB64), IsDir: l.IsDir, Size: l.Size}
		if l.From != nil || l.FromB64 != "" {
			got.From = pathOf(t, l.From, l.FromB64)
		}
		if got.Time, err = time.Parse(time.RFC3339Nano, l.Time); err != nil {
			t.Errorf("line %d: time: %v", i+1, err)
		}
		if !got.Time.Equal(ev.Time) {
			t.Errorf("line %d: time %s, want %s", i+1, got.Time, ev.Time)
		}
		got.Time = ev.Time
		if got != ev || l.Sync != sync {
			t.Errorf("line %d: %s\nreads as %+v in sync %q\nwant     %+v in sync %q", i+1, text, got, l.Sync, ev, sync)
		}
	}
}

func opOf(t *testing.T, name string) sdk.Op {
	op, err := sdk.ParseOp(name)
	if err != nil {
		t.Error(err)
	}
	return op
}

func pathOf(t *testing.T, plain *string, b64 string) string {
	if plain != nil {
		if b64 != "" {
			t.Errorf("both a path and its base64 form")
		}
		return *plain
	}
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Errorf("base64 path %q: %v", b64, err)
	}
	return string(b)
}

// buildGoExample builds the Go example into a temporary directory, once
// per test, with the go command running this test.
func buildGoExample(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "luasync-jsonl")
	cmd := exec.Command(goTool(t), "build", "-buildvcs=false", "-o", bin, ".")
	cmd.Dir = goExample
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build in %s: %v\n%s", goExample, err, out)
	}
	return bin
}

func goTool(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("no go command on PATH (go test puts its own there): %v", err)
	}
	return goBin
}

// pythonExample is the Python example's path, once Debian's Python and the
// packages it needs are known to be there.
func pythonExample(t *testing.T) string {
	t.Helper()
	out, err := exec.Command(systemPython, "-c", "import grpc, google.protobuf, cryptography").CombinedOutput()
	if err != nil {
		t.Fatalf("the Python example needs %s with grpc, protobuf and cryptography (%v: %s); install them: %s",
			systemPython, err, bytes.TrimSpace(out), installPython)
	}
	path, err := filepath.Abs(pythonScript)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func withoutCookie(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, sdk.Handshake.MagicCookieKey+"=") {
			out = append(out, kv)
		}
	}
	return out
}

// lockedBuffer collects the host's log: go-plugin writes it from several
// goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

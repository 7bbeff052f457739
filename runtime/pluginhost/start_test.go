package pluginhost

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/luasync/luasync/plugins/sdk"
)

// Each way a plugin can fail to start is a clear error, from Start and
// from Check alike, naming the plugin and its path.
func TestStartErrors(t *testing.T) {
	dir := t.TempDir()
	script := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	notExec := filepath.Join(dir, "not-exec")
	if err := os.WriteFile(notExec, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("something else"))
	for _, tc := range []struct {
		name    string
		command string
		sha     string
		is      error
		says    []string
	}{
		{"missing", filepath.Join(dir, "nope"), "", ErrNotFound,
			[]string{filepath.Join(dir, "nope"), "no such file; check the path"}},
		{"not in PATH", "luasync-no-such-plugin", "", ErrNotFound, []string{`"luasync-no-such-plugin" is not in $PATH`}},
		{"not executable", notExec, "", ErrNotExecutable, []string{notExec, "mode 0644", "chmod +x"}},
		{"directory", dir, "", ErrNotExecutable, []string{"it is a directory"}},
		{"prints garbage", script("garbage", "echo oops >&2; echo 'hello, I am a shell script'; exec sleep 5"), "", ErrNotPlugin,
			[]string{`it printed "hello, I am a shell script" instead of the go-plugin handshake`, "its stderr ends: oops"}},
		{"exits", script("exits", "exit 2"), "", ErrNotPlugin, []string{"it printed no handshake", "(it exited with status 2)"}},
		{"wrong pin", testPlugin, hex.EncodeToString(sum[:]), ErrChecksum,
			[]string{"want sha256 " + hex.EncodeToString(sum[:]) + ", got " + fileSum(testPlugin)}},
		{"bad pin", testPlugin, "abc", nil, []string{`sha256 "abc" is not 64 hex digits`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, _ := options(t, nil)
			o.Command, o.SHA256 = []string{tc.command}, tc.sha
			_, err := Start(context.Background(), o)
			_, checkErr := Check(context.Background(), o)
			for call, err := range map[string]error{"Start": err, "Check": checkErr} {
				if err == nil {
					t.Fatalf("%s: no error", call)
				}
				msg := err.Error()
				if tc.is != nil && !errors.Is(err, tc.is) {
					t.Errorf("%s: %q is not %v", call, msg, tc.is)
				}
				for _, want := range append(tc.says, "plugin test/plugin:testplugin") {
					if !strings.Contains(msg, want) {
						t.Errorf("%s: %q does not say %q", call, msg, want)
					}
				}
			}
		})
	}
}

func TestStartTimeout(t *testing.T) {
	dir := t.TempDir()
	silent := filepath.Join(dir, "silent")
	if err := os.WriteFile(silent, []byte("#!/bin/sh\nexec sleep 30\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	o, _ := options(t, nil)
	o.Command, o.StartTimeout = []string{silent}, 500*time.Millisecond
	_, err := Start(context.Background(), o)
	if !errors.Is(err, ErrStartTimeout) || !strings.Contains(err.Error(), "no handshake within 500ms") {
		t.Errorf("got %v, want a start timeout", err)
	}
}

// The right pin starts the plugin; argv reaches it without a shell.
func TestStartWithPin(t *testing.T) {
	o, _ := options(t, nil)
	o.SHA256 = strings.ToUpper(fileSum(testPlugin))
	o.Command = []string{testPlugin, "$(touch pwned)", "--flag"}
	o.MTLS = false // as a plugin in another language may need
	h := start(t, o)
	if h.Info().Name != "testplugin" || h.PID() == 0 {
		t.Errorf("info %+v, pid %d", h.Info(), h.PID())
	}
}

// Config mistakes come back from Check as sdk.ConfigErrors, keyed as the
// plugin reported them; Check leaves no process behind.
func TestCheckReportsConfigErrors(t *testing.T) {
	o, logs := options(t, map[string]any{"crash_after": "soon", "bogus": true, "secret": "hunter2"})
	info, err := Check(context.Background(), o)
	var ce sdk.ConfigErrors
	if !errors.As(err, &ce) {
		t.Fatalf("Check: %v, want sdk.ConfigErrors", err)
	}
	var keys []string
	for _, e := range ce {
		keys = append(keys, e.Key)
	}
	if want := []string{"crash_after", "bogus"}; !slices.Equal(keys, want) {
		t.Errorf("keys %q, want %q (%v)", keys, want, err)
	}
	if !strings.Contains(err.Error(), "plugin test/plugin:testplugin") {
		t.Errorf("%q does not name the plugin", err)
	}
	if info.Name != "" {
		t.Errorf("info %+v with an error", info)
	}
	if _, err := Start(context.Background(), o); !errors.As(err, &ce) {
		t.Errorf("Start: %v, want sdk.ConfigErrors", err)
	}

	o.Config = map[string]any{"secret": "hunter2", "delay": 0.5}
	info, err = Check(context.Background(), o)
	if err != nil || info.Name != "testplugin" || info.Version != "1.0" {
		t.Errorf("Check of a good config: %+v, %v", info, err)
	}
	if strings.Contains(logs.String(), "hunter2") {
		t.Errorf("a config value reached the log:\n%s", logs)
	}
	if !strings.Contains(logs.String(), `"check":true`) {
		t.Errorf("the plugin was not told it is a check")
	}
}

// The plugin's log lines reach the host's logger at their level with the
// plugin's name; go-plugin's own chatter is debug; config values never.
func TestPluginLogsReachTheHostLog(t *testing.T) {
	o, logs := options(t, map[string]any{"secret": "hunter2"})
	start(t, o)
	var lines []string
	eventually(t, "the plugin's lines in the log", func() bool {
		// The two lines take different ways (stderr, and go-plugin's
		// stdio stream) and may come in either order.
		lines = strings.Split(logs.String(), "\n")
		return slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, "testplugin raw stderr line") }) &&
			slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, "testplugin configured") })
	})
	for _, want := range []struct{ msg, level string }{
		{`"msg":"testplugin configured"`, `"level":"WARN"`},
		{`"msg":"testplugin raw stderr line"`, `"level":"INFO"`},
		{`"msg":"starting plugin"`, `"level":"DEBUG"`},
		{`"msg":"plugin ready"`, `"level":"INFO"`},
	} {
		i := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, want.msg) })
		if i < 0 {
			t.Errorf("no %s line", want.msg)
			continue
		}
		if !strings.Contains(lines[i], want.level) || !strings.Contains(lines[i], `"plugin":"test/plugin:testplugin"`) {
			t.Errorf("%s: want %s with the plugin's name: %s", want.msg, want.level, lines[i])
		}
	}
	if strings.Contains(logs.String(), "hunter2") {
		t.Errorf("a config value reached the log")
	}
	if !strings.Contains(logs.String(), `"config_keys":["secret"]`) {
		t.Errorf("the config's keys are not logged")
	}
}

// A call may run as long as the plugin says a batch may take with its
// config, but at least DefaultTimeout; the user's Timeout overrides both.
func TestCallTimeoutFromThePlugin(t *testing.T) {
	for _, tc := range []struct {
		says, set, want time.Duration
	}{
		{0, 0, DefaultTimeout},
		{time.Second, 0, DefaultTimeout},
		{90 * time.Second, 0, 90 * time.Second},
		{90 * time.Second, 5 * time.Second, 5 * time.Second},
	} {
		cfg := map[string]any{}
		if tc.says > 0 {
			cfg["call_timeout"] = tc.says.Seconds()
		}
		o, _ := options(t, cfg)
		o.Timeout = tc.set
		got, err := Check(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		if got.CallTimeout != tc.want {
			t.Errorf("plugin says %v, Timeout %v: call timeout %v, want %v", tc.says, tc.set, got.CallTimeout, tc.want)
		}
	}
}

package command

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/luasync/luasync/plugins/sdk"
	"github.com/luasync/luasync/plugins/sdk/sdktest"
)

// TestConfigErrorsNameTheKey: every mistake comes back under its key.
func TestConfigErrorsNameTheKey(t *testing.T) {
	notExec := filepath.Join(t.TempDir(), "script.sh")
	if err := os.WriteFile(notExec, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		values map[string]any
		key    string
		says   string
	}{
		{"no prefix", map[string]any{}, "prefix", "required"},
		{"empty prefix", map[string]any{"prefix": "  "}, "prefix", "required"},
		{"prefix not a string", map[string]any{"prefix": 3.0}, "prefix", "want a list of strings"},
		{"missing command", map[string]any{"prefix": "/no/such/notify --all"}, "prefix", "no such file"},
		{"command not in PATH", map[string]any{"prefix": "no-such-luasync-command"}, "prefix", "not found"},
		{"not executable", map[string]any{"prefix": []any{notExec}}, "prefix", "permission denied"},
		{"empty argument", map[string]any{"prefix": []any{"true", ""}}, "prefix[2]", "empty argument"},
		{"suffix a number", map[string]any{"prefix": "true", "suffix": 1.0}, "suffix", "want a list of strings"},
		{"bad include", map[string]any{"prefix": "true", "include": []any{`ok`, `(`}}, "include", "bad regular expression"},
		{"bad event", map[string]any{"prefix": "true", "events": []any{"create", "rename"}}, "events", `unknown op "rename"`},
		{"retryOn out of range", map[string]any{"prefix": "true", "retryOn": []any{75.0, 300.0}}, "retryOn", "1 to 255"},
		{"retryOn a string", map[string]any{"prefix": "true", "retryOn": "75"}, "retryOn", "1 to 255"},
		{"bad timeout", map[string]any{"prefix": "true", "timeout": "soon"}, "timeout", "not a duration"},
		{"zero workers", map[string]any{"prefix": "true", "workers": 0.0}, "workers", "out of range"},
		{"ignoreError a string", map[string]any{"prefix": "true", "ignoreError": "yes"}, "ignoreError", "true or false"},
		{"unknown key", map[string]any{"prefix": "true", "prefx": "true"}, "prefx", "unknown key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := sdktest.Start(t, New())
			err := c.Configure(context.Background(), &sdk.Config{Source: t.TempDir(), Values: tc.values})
			var errs sdk.ConfigErrors
			if !errors.As(err, &errs) {
				t.Fatalf("configure = %v, want ConfigErrors", err)
			}
			for _, e := range errs {
				if e.Key == tc.key && strings.Contains(e.Message, tc.says) {
					return
				}
			}
			t.Errorf("errors %v, want %s: ...%s...", errs, tc.key, tc.says)
		})
	}
}

// TestShellPrefixIsText: with shell = true prefix and suffix are shell
// text around "$1", run in the source directory.
func TestShellPrefixIsText(t *testing.T) {
	source := t.TempDir()
	c := start(t, source, map[string]any{"shell": true, "prefix": `printf '%s'`, "suffix": "> out.txt"})
	if r := handle(t, c, sdk.Event{ID: 1, Op: sdk.Create, Path: "a b"})[1]; r.Outcome != sdk.OK {
		t.Fatalf("result %v %s", r.Outcome, r.Reason)
	}
	b, err := os.ReadFile(filepath.Join(source, "out.txt"))
	if err != nil || string(b) != source+"/a b" {
		t.Errorf("out.txt = %q, %v", b, err)
	}
}

// TestCheckOnlyValidates: under `luasync check` a good config is
// accepted and not taken; a bad one is still reported.
func TestCheckOnlyValidates(t *testing.T) {
	p := New()
	c := sdktest.Start(t, p)
	ctx := context.Background()
	if err := c.Configure(ctx, &sdk.Config{Check: true, Values: map[string]any{"prefix": "true"}}); err != nil {
		t.Fatalf("check of a good config: %v", err)
	}
	r := handle(t, c, sdk.Event{ID: 1, Op: sdk.Create, Path: "f"})[1]
	if r.Outcome != sdk.Retry || !strings.Contains(r.Reason, "not configured") {
		t.Errorf("after a check, handle gave %v %q, want a retry: not configured", r.Outcome, r.Reason)
	}
	if err := c.Configure(ctx, &sdk.Config{Check: true, Values: map[string]any{}}); err == nil {
		t.Error("check of a config without prefix passed")
	}
}

// TestRefusesPathsOutsideTheSource: the host never sends one; if it did,
// no command runs on a file elsewhere.
func TestRefusesPathsOutsideTheSource(t *testing.T) {
	c := start(t, t.TempDir(), map[string]any{"prefix": "true"})
	res := handle(t, c, numbered(
		sdk.Event{Op: sdk.Create, Path: "../etc/passwd"},
		sdk.Event{Op: sdk.Create, Path: "/etc/passwd"},
		sdk.Event{Op: sdk.Move, Path: "ok", From: "a/../../b"},
		sdk.Event{Op: sdk.Create, Path: "..data"})...)
	for id := uint64(1); id <= 3; id++ {
		if res[id].Outcome != sdk.Fail {
			t.Errorf("event %d: %v, want fail", id, res[id].Outcome)
		}
	}
	if res[4].Outcome != sdk.OK {
		t.Errorf("..data: %v %s", res[4].Outcome, res[4].Reason)
	}
}

func TestCaptureKeepsHeadAndLastLine(t *testing.T) {
	c := newCapture()
	c.Write([]byte("first line\n"))
	for range 1000 {
		c.Write([]byte(strings.Repeat("y", 100) + "\n"))
	}
	c.Write([]byte("the last line\n\n"))
	if len(c.head) != outputLimit || !strings.HasPrefix(string(c.head), "first line\n") {
		t.Errorf("head is %d bytes, starting %q", len(c.head), c.head[:20])
	}
	if len(c.tail) > 2*outputLimit {
		t.Errorf("tail grew to %d bytes", len(c.tail))
	}
	if got := c.lastLine(); got != "the last line" {
		t.Errorf("last line %q", got)
	}
}

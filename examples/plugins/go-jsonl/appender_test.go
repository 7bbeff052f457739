package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/luasync/luasync/plugins/sdk"
	"github.com/luasync/luasync/plugins/sdk/sdktest"
)

func TestAppendsOneLinePerEvent(t *testing.T) {
	file := filepath.Join(t.TempDir(), "events.jsonl")
	c := sdktest.Start(t, &Appender{})
	ctx := context.Background()
	if err := c.Configure(ctx, &sdk.Config{Sync: "www", Values: map[string]any{"file": file, "fsync": false}}); err != nil {
		t.Fatalf("configure: %v", err)
	}
	when := time.Date(2026, 12, 3, 10, 0, 0, 5, time.UTC)
	events := []sdk.Event{
		{ID: 1, Op: sdk.Create, Path: "-n \"a\"\n.txt", Time: when, Size: 3},
		{ID: 2, Op: sdk.Move, Path: "new", From: "old\xff", Time: when, Size: -1},
		{ID: 3, Op: sdk.Full, Path: "", IsDir: true, Time: when, Size: -1},
	}
	results, err := c.Handle(ctx, events)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != len(events) {
		t.Fatalf("results = %+v, want one per event", results)
	}
	for _, r := range results {
		if r.Outcome != sdk.OK {
			t.Errorf("result %+v, want ok", r)
		}
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`{"time":"2026-12-03T10:00:00.000000005Z","sync":"www","op":"create","path":"-n \"a\"\n.txt","is_dir":false,"size":3}`,
		`{"time":"2026-12-03T10:00:00.000000005Z","sync":"www","op":"move","path":"new","from_b64":"b2xk/w==","is_dir":false,"size":-1}`,
		`{"time":"2026-12-03T10:00:00.000000005Z","sync":"www","op":"full","path":"","is_dir":true,"size":-1}`,
	}
	if got := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("file holds\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, l := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		if !json.Valid(l) {
			t.Errorf("not JSON: %s", l)
		}
	}
}

func TestConfigMistakesNameTheKey(t *testing.T) {
	good := filepath.Join(t.TempDir(), "events.jsonl")
	for _, tc := range []struct {
		name   string
		values map[string]any
		key    string
		says   string
	}{
		{"missing file", map[string]any{}, "file", "required"},
		{"relative file", map[string]any{"file": "events.jsonl"}, "file", "not an absolute path"},
		{"file in no directory", map[string]any{"file": "/nonexistent/dir/events.jsonl"}, "file", "no such file"},
		{"fsync not a boolean", map[string]any{"file": good, "fsync": "yes"}, "fsync", "want true or false"},
		{"unknown key", map[string]any{"file": good, "path": good}, "path", "unknown key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := sdktest.Start(t, &Appender{})
			err := c.Configure(context.Background(), &sdk.Config{Values: tc.values})
			var errs sdk.ConfigErrors
			if !errors.As(err, &errs) || len(errs) != 1 || errs[0].Key != tc.key || !strings.Contains(errs[0].Message, tc.says) {
				t.Fatalf("configure: %v, want one mistake in %q saying %q", err, tc.key, tc.says)
			}
		})
	}
}

func TestCheckOpensNothing(t *testing.T) {
	file := filepath.Join(t.TempDir(), "events.jsonl")
	c := sdktest.Start(t, &Appender{})
	if err := c.Configure(context.Background(), &sdk.Config{Check: true, Values: map[string]any{"file": file}}); err != nil {
		t.Fatalf("configure: %v", err)
	}
	if _, err := os.Stat(file); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("luasync check created the file (stat: %v)", err)
	}
}

func TestFailedWriteIsRetried(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "logs")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	c := sdktest.Start(t, &Appender{})
	ctx := context.Background()
	if err := c.Configure(ctx, &sdk.Config{Values: map[string]any{"file": filepath.Join(dir, "events.jsonl")}}); err != nil {
		t.Fatalf("configure: %v", err)
	}
	if err := os.RemoveAll(dir); err != nil { // the directory goes away under the plugin
		t.Fatal(err)
	}
	results, err := c.Handle(ctx, []sdk.Event{{ID: 7, Op: sdk.Delete, Path: "a"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 1 || results[0].ID != 7 || results[0].Outcome != sdk.Retry || !strings.Contains(results[0].Reason, "events.jsonl") {
		t.Fatalf("results = %+v, want event 7 retried with the file named", results)
	}
}

package command

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/luasync/luasync/plugins/sdk"
	"github.com/luasync/luasync/plugins/sdk/sdktest"
)

// recorder is a script that records each call: its argv (after the
// record directory, its first argument) and its whole environment, both
// NUL-separated, in files of their own.
const recorder = `#!/bin/sh
rec=$1; shift
f=$(mktemp "$rec/call.XXXXXX") || exit 99
printf '%s\0' "$@" > "$f.argv"
env -0 > "$f.env"
`

// call is one recorded run of the recorder.
type call struct {
	argv []string
	env  map[string]string // LUASYNC_* only
}

// writeScript puts an executable script in a new directory.
func writeScript(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// calls reads what the recorder wrote into rec, sorted by argv.
func calls(t *testing.T, rec string) []call {
	t.Helper()
	argvs, err := filepath.Glob(filepath.Join(rec, "call.*.argv"))
	if err != nil {
		t.Fatal(err)
	}
	var out []call
	for _, a := range argvs {
		c := call{argv: split0(t, a), env: map[string]string{}}
		for _, kv := range split0(t, strings.TrimSuffix(a, ".argv")+".env") {
			k, v, _ := strings.Cut(kv, "=")
			if strings.HasPrefix(k, "LUASYNC_") {
				c.env[k] = v
			}
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return strings.Join(out[i].argv, "\x00") < strings.Join(out[j].argv, "\x00") })
	return out
}

func split0(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.TrimSuffix(b, []byte{0})
	if len(b) == 0 {
		return nil
	}
	return strings.Split(string(b), "\x00")
}

// start is a configured plugin on a real gRPC connection.
func start(t *testing.T, source string, values map[string]any) *sdk.Client {
	t.Helper()
	c := sdktest.Start(t, New())
	if err := c.Configure(context.Background(), &sdk.Config{Sync: "www", Source: source, Values: values}); err != nil {
		t.Fatalf("configure %v: %v", values, err)
	}
	return c
}

// handle sends events and returns the results by ID, failing the test
// on a call error or a missing result.
func handle(t *testing.T, c *sdk.Client, events ...sdk.Event) map[uint64]sdk.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := c.Handle(ctx, events)
	if err != nil {
		t.Fatalf("handle: %v", err)
	}
	byID := map[uint64]sdk.Result{}
	for _, r := range res {
		byID[r.ID] = r
	}
	for _, ev := range events {
		if _, ok := byID[ev.ID]; !ok {
			t.Fatalf("no result for event %d (%q): %v", ev.ID, ev.Path, res)
		}
	}
	return byID
}

// numbered gives events IDs 1, 2, ... in order.
func numbered(events ...sdk.Event) []sdk.Event {
	for i := range events {
		events[i].ID = uint64(i + 1)
	}
	return events
}

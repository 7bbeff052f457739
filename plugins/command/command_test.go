package command

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/luasync/luasync/plugins/sdk"
	"github.com/luasync/luasync/plugins/sdk/sdktest"
)

// oddNames are file names that break naive shell plumbing; each must
// reach the command as exactly these bytes, and none may run anything.
var oddNames = []string{
	"plain.txt",
	"with space",
	"new\nline",
	`quo'te"s`,
	"-n",
	"--help",
	"$(touch pwned)",
	"`touch pwned`",
	"x; touch pwned",
	"non-utf8 \xff\xfe.bin",
	"dir/sub file",
}

// TestEveryNameArrivesIntact is the plugin's contract: per event, one
// run with prefix, the absolute path as one argument, then suffix; the
// event in LUASYNC_*; nothing in a name is ever run, with or without a
// shell.
func TestEveryNameArrivesIntact(t *testing.T) {
	script := writeScript(t, "rec.sh", recorder)
	for _, mode := range []struct {
		name   string
		values func(rec string) map[string]any
	}{
		{"exec", func(rec string) map[string]any {
			return map[string]any{"prefix": []any{script, rec}, "suffix": []any{"--after", "two words"}}
		}},
		{"shell", func(rec string) map[string]any {
			return map[string]any{"shell": true, "prefix": "'" + script + "' '" + rec + "'", "suffix": "--after 'two words'"}
		}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			t.Setenv("LUASYNC_FROM", "stale, from the plugin's own environment")
			source, rec := t.TempDir(), t.TempDir()
			if err := os.Mkdir(filepath.Join(source, "dir"), 0o755); err != nil {
				t.Fatal(err)
			}
			var events []sdk.Event
			for _, name := range oddNames {
				if err := os.WriteFile(filepath.Join(source, name), []byte("x"), 0o644); err != nil {
					t.Fatal(err)
				}
				events = append(events, sdk.Event{Op: sdk.Create, Path: name})
			}
			events = append(events,
				sdk.Event{Op: sdk.Move, Path: "moved\nto", From: "-from \xff"},
				sdk.Event{Op: sdk.Delete, Path: "gone dir", IsDir: true},
				sdk.Event{Op: sdk.Full, Path: ""})
			events = numbered(events...)
			c := start(t, source, mode.values(rec))
			for id, r := range handle(t, c, events...) {
				if r.Outcome != sdk.OK {
					t.Errorf("event %d: %v %s", id, r.Outcome, r.Reason)
				}
			}
			got := calls(t, rec)
			want := map[string]call{}
			for _, ev := range events {
				abs := source + "/" + ev.Path
				if ev.Path == "" {
					abs = source
				}
				env := map[string]string{"LUASYNC_OP": ev.Op.String(), "LUASYNC_PATH": ev.Path, "LUASYNC_SOURCE": source,
					"LUASYNC_ABSPATH": abs, "LUASYNC_ISDIR": "0", "LUASYNC_SYNC": "www"}
				if ev.IsDir {
					env["LUASYNC_ISDIR"] = "1"
				}
				if ev.Op == sdk.Move {
					env["LUASYNC_FROM"], env["LUASYNC_ABSFROM"] = ev.From, source+"/"+ev.From
				}
				want[abs] = call{argv: []string{abs, "--after", "two words"}, env: env}
			}
			if len(got) != len(want) {
				t.Errorf("%d calls, want %d: %q", len(got), len(want), got)
			}
			for _, g := range got {
				if len(g.argv) == 0 {
					t.Errorf("a call without arguments: %q", g)
					continue
				}
				w, ok := want[g.argv[0]]
				if !ok {
					t.Errorf("a call for no event: %q", g)
					continue
				}
				if !reflect.DeepEqual(g, w) {
					t.Errorf("call for %q:\n got %q\nwant %q", g.argv[0], g, w)
				}
			}
			noPwned(t, source, rec, ".")
		})
	}
}

// noPwned fails if a name's embedded command ran in any of dirs.
func noPwned(t *testing.T, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "pwned")); err == nil {
			t.Errorf("%s/pwned exists: a file name reached a shell", d)
		}
	}
}

func TestInfoAcceptsEverything(t *testing.T) {
	c := start(t, t.TempDir(), map[string]any{"prefix": "true"})
	info, err := c.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Info comes before Configure, so events is settled in Handle.
	if info.Name != "command" || info.Accepts != nil || info.MaxBatch != maxBatch || info.MaxInFlight < 1 {
		t.Errorf("info = %+v", info)
	}
}

// TestIncludeAndEvents: events that the include regexes or the events
// list leave out are done without a run.
func TestIncludeAndEvents(t *testing.T) {
	script := writeScript(t, "rec.sh", recorder)
	for _, tc := range []struct {
		name   string
		values map[string]any
		ran    []string // the paths that ran, in argv order
	}{
		{"include", map[string]any{"include": []any{`\.php$`, `^bin/.*\.sh$`}},
			[]string{"/S", "/S/a.php", "/S/bin/x.sh", "/S/new.txt"}},
		{"one include", map[string]any{"include": `\.txt$`},
			[]string{"/S", "/S/b.txt", "/S/new.txt"}},
		{"default events skip attrib", map[string]any{},
			[]string{"/S", "/S/a.php", "/S/b.txt", "/S/bin/x.sh", "/S/gone", "/S/new.txt"}},
		{"events", map[string]any{"events": []any{"attrib", "delete"}},
			[]string{"/S/attr.php", "/S/gone"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := t.TempDir()
			values := map[string]any{"prefix": []any{script, rec}}
			for k, v := range tc.values {
				values[k] = v
			}
			c := start(t, "/S", values)
			events := numbered(
				sdk.Event{Op: sdk.Create, Path: "a.php"},
				sdk.Event{Op: sdk.Modify, Path: "b.txt"},
				sdk.Event{Op: sdk.Create, Path: "bin/x.sh"},
				sdk.Event{Op: sdk.Attrib, Path: "attr.php"},
				sdk.Event{Op: sdk.Delete, Path: "gone"},
				sdk.Event{Op: sdk.Move, Path: "new.txt", From: "old.php"},
				sdk.Event{Op: sdk.Full, Path: ""})
			for id, r := range handle(t, c, events...) {
				if r.Outcome != sdk.OK {
					t.Errorf("event %d: %v %s", id, r.Outcome, r.Reason)
				}
			}
			var ran []string
			for _, g := range calls(t, rec) {
				ran = append(ran, g.argv[0])
			}
			if !reflect.DeepEqual(ran, tc.ran) {
				t.Errorf("ran for %q, want %q", ran, tc.ran)
			}
		})
	}
}

// TestCallTimeoutCoversAFullBatch: the plugin tells the host how long a
// batch may take, so that a batch of slow commands is not taken for a
// hang: every command at its timeout, workers at a time.
func TestCallTimeoutCoversAFullBatch(t *testing.T) {
	for _, tc := range []struct {
		values map[string]any
		want   time.Duration
	}{
		{map[string]any{"prefix": "true"}, (maxBatch/DefaultWorkers)*(DefaultTimeout+killGrace) + 10*time.Second},
		{map[string]any{"prefix": "true", "workers": 64.0, "timeout": 5.0}, 8*time.Second + 10*time.Second},
		{map[string]any{"prefix": "true", "workers": 3.0, "timeout": "1m"}, 22*(time.Minute+killGrace) + 10*time.Second},
	} {
		for _, check := range []bool{true, false} {
			cfg := &sdk.Config{Sync: "www", Source: t.TempDir(), Values: tc.values, Check: check}
			if err := sdktest.Start(t, New()).Configure(context.Background(), cfg); err != nil {
				t.Fatal(err)
			}
			if cfg.CallTimeout != tc.want {
				t.Errorf("%v (check %t): call timeout %v, want %v", tc.values, check, cfg.CallTimeout, tc.want)
			}
		}
	}
}

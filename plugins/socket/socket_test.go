package socket

import (
	"encoding/base64"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/luasync/luasync/plugins/sdk"
)

var networks = []string{"tcp", "unix"}

// oddEvents hold names that break line- and shell-based plumbing.
func oddEvents(first uint64) []sdk.Event {
	when := time.Date(2026, 12, 3, 10, 0, 0, 5, time.UTC)
	return numbered(first,
		sdk.Event{Op: sdk.Create, Path: "plain.txt", Time: when},
		sdk.Event{Op: sdk.Modify, Path: "new\nline \"quoted\" <&>", Time: when},
		sdk.Event{Op: sdk.Attrib, Path: "-n $(touch pwned)", Time: when},
		sdk.Event{Op: sdk.Delete, Path: "dir/non-utf8 \xff\xfe", IsDir: true, Time: when},
		sdk.Event{Op: sdk.Move, Path: "to \t tab", From: "from \xc3", Time: when},
		sdk.Event{Op: sdk.Full, Path: "", IsDir: true, Time: when})
}

// want is the JSON object the listener should read for ev.
func want(ev sdk.Event) map[string]any {
	m := map[string]any{"op": ev.Op.String(), "isdir": ev.IsDir, "sync": "www", "time": "2026-12-03T10:00:00.000000005Z"}
	put := func(key, s string) {
		if strings.ToValidUTF8(s, "") == s {
			m[key] = s
		} else {
			m[key+"_b64"] = base64.StdEncoding.EncodeToString([]byte(s))
		}
	}
	put("path", ev.Path)
	if ev.Op == sdk.Move {
		put("from", ev.From)
	}
	return m
}

// TestEventsArriveInOrder: one JSON line per event, in order, every name
// intact (as path_b64 when it is not UTF-8).
func TestEventsArriveInOrder(t *testing.T) {
	for _, network := range networks {
		t.Run(network, func(t *testing.T) {
			s := listen(t, network)
			c := start(t, map[string]any{"address": s.address()})
			first, second := oddEvents(1), oddEvents(100)
			for _, batch := range [][]sdk.Event{first, second} {
				for id, r := range handle(t, c, batch...) {
					if r.Outcome != sdk.OK {
						t.Fatalf("event %d: %v %s", id, r.Outcome, r.Reason)
					}
				}
			}
			p := s.accept()
			all := append(first, second...)
			for i, line := range p.lines(t, len(all)) {
				var got map[string]any
				if err := json.Unmarshal([]byte(line), &got); err != nil {
					t.Fatalf("line %d %q: %v", i+1, line, err)
				}
				if w := want(all[i]); !reflect.DeepEqual(got, w) {
					t.Errorf("line %d:\n got %v\nwant %v", i+1, got, w)
				}
			}
		})
	}
}

// TestSersyncFormat: the absolute path and a newline, as sersync sent it;
// a name with a newline cannot be framed and fails without being sent.
func TestSersyncFormat(t *testing.T) {
	s := listen(t, "tcp")
	c := start(t, map[string]any{"address": s.address(), "format": "sersync"})
	res := handle(t, c, numbered(1,
		sdk.Event{Op: sdk.Create, Path: "a b.php"},
		sdk.Event{Op: sdk.Modify, Path: "bad\nname"},
		sdk.Event{Op: sdk.Delete, Path: "-n \xff"},
		sdk.Event{Op: sdk.Move, Path: "new", From: "old"},
		sdk.Event{Op: sdk.Move, Path: "x", From: "y\n"},
		sdk.Event{Op: sdk.Full, Path: ""},
		sdk.Event{Op: sdk.Full, Path: "sub"})...)
	for id, outcome := range map[uint64]sdk.Outcome{1: sdk.OK, 2: sdk.Fail, 3: sdk.OK, 4: sdk.OK, 5: sdk.Fail, 6: sdk.OK, 7: sdk.OK} {
		if res[id].Outcome != outcome {
			t.Errorf("event %d: %v %s, want %v", id, res[id].Outcome, res[id].Reason, outcome)
		}
	}
	if !strings.Contains(res[2].Reason, "newline") {
		t.Errorf("reason %q does not say why", res[2].Reason)
	}
	got := strings.Join(s.accept().lines(t, 6), "")
	if w := "/srv/www/a b.php\n/srv/www/-n \xff\n/srv/www/old\n/srv/www/new\n/srv/www\n/srv/www/sub\n"; got != w {
		t.Errorf("listener read %q, want %q", got, w)
	}
}

func TestInfo(t *testing.T) {
	c := start(t, map[string]any{"address": "127.0.0.1:9"})
	info, err := c.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if info.Name != "socket" || info.MaxInFlight != 1 || info.Accepts != nil {
		t.Errorf("info = %+v", info)
	}
}

package faillog

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/event"
)

// TestAppendLoadRoundTripsEveryPath: what Append writes, Load gives back,
// byte for byte, whatever the path holds.
func TestAppendLoadRoundTripsEveryPath(t *testing.T) {
	l := open(t, filepath.Join(t.TempDir(), "state", "fail.log"))
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	want := []Entry{
		{Time: t0, Sink: "s1", Event: event.Event{Op: event.Modify, Path: "a b/c\nd"}, Attempts: 5, Reason: "disk full"},
		{Time: t0, Sink: "s1", Event: event.Event{Op: event.Move, Path: "x/\xff\xfe", From: "-$(rm -rf)'\"", IsDir: true}},
		{Time: t0.Add(time.Second), Sink: "s2", Event: event.Event{Op: event.Rescan, Path: "", IsDir: true}},
	}
	must(t, l.Append(want[:2]...))
	must(t, l.Append(want[2]))
	got, damage, err := l.Load()
	if err != nil || len(damage) != 0 {
		t.Fatalf("Load: %v, damage %+v", err, damage)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Load:\n got %+v\nwant %+v", got, want)
	}
	if fi, err := os.Stat(l.Path()); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("fail log mode: %v %v (want 0600: paths can be sensitive)", fi.Mode(), err)
	}
}

// A valid line for sink "a", with and without its newline, and pieces of
// lines as a crash or a full disk leaves them.
const (
	good     = `{"time":"2026-01-01T00:00:00Z","sink":"a","op":"Modify","path":"f"}`
	fragment = `{"time":"2026-01-01T00:00:01Z","sink":"a","op":"Mo`
	headless = `{"time":"2026-01-01T00:0`
)

// TestLoadReportsDamageAndNeverFails is the specification of a damaged
// fail log: every line that decodes is an entry, every other line is a
// Damage with its line number, the sinks still readable in it and a quote
// of what it held; none of it is an error.
func TestLoadReportsDamageAndNeverFails(t *testing.T) {
	long := `{"time":"2026-01-01T00:00:00Z","sink":"b","op":"Modify","path":"` + strings.Repeat("\xff", 300)
	tests := []struct {
		name    string
		file    string
		entries int
		damage  []Damage // Err is not compared
	}{
		{"intact", good + "\n" + good + "\n", 2, nil},
		{"torn last line: a crash mid-write", good + "\n" + fragment, 1,
			[]Damage{{Line: 2, Sinks: []string{"a"}, Held: fragment, Len: len(fragment)}}},
		{"torn line in the middle", good + "\n" + fragment + "\n" + good + "\n", 2,
			[]Damage{{Line: 2, Sinks: []string{"a"}}}},
		{"an append glued onto a fragment (the issue's line 9)",
			good + "\n" + fragment + strings.Replace(good, `"a"`, `"b"`, 1) + "\n" + good + "\n", 2,
			[]Damage{{Line: 2, Sinks: []string{"a", "b"}}}},
		{"cut off before its sink", headless + "\n" + good + "\n", 1, []Damage{{Line: 1}}},
		{"a sink name with quotes survives", `{"sink":"q\"x\\y","op":` + "\n", 0,
			[]Damage{{Line: 1, Sinks: []string{`q"x\y`}}}},
		{"unknown op", strings.Replace(good, "Modify", "Frobnicate", 1) + "\n", 0,
			[]Damage{{Line: 1, Sinks: []string{"a"}}}},
		{"path_b64 that is not base64", `{"time":"2026-01-01T00:00:00Z","sink":"a","op":"Delete","path_b64":"%%"}` + "\n", 0,
			[]Damage{{Line: 1, Sinks: []string{"a"}}}},
		{"long line of bytes that are not UTF-8: the quote is bounded", long + "\n", 0,
			[]Damage{{Line: 1, Sinks: []string{"b"}, Held: long[:heldMax], Len: len(long)}}},
		{"blank lines are no damage", "\n" + good + "\n\n", 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := open(t, filepath.Join(t.TempDir(), "fail.log"))
			must(t, os.WriteFile(l.Path(), []byte(tt.file), 0o600))
			entries, damage, err := l.Load()
			if err != nil {
				t.Fatalf("Load: %v; a damaged line must never be an error", err)
			}
			if len(entries) != tt.entries {
				t.Errorf("%d entries, want %d: %+v", len(entries), tt.entries, entries)
			}
			if len(damage) != len(tt.damage) {
				t.Fatalf("damage %+v, want %+v", damage, tt.damage)
			}
			for i, want := range tt.damage {
				got := damage[i]
				if got.Line != want.Line || !slices.Equal(got.Sinks, want.Sinks) || got.Err == nil {
					t.Errorf("damage %d: line %d sinks %q err %v; want line %d sinks %q and an error",
						i, got.Line, got.Sinks, got.Err, want.Line, want.Sinks)
				}
				if want.Held != "" && (got.Held != want.Held || got.Len != want.Len) {
					t.Errorf("damage %d held:\n got %q (%d bytes)\nwant %q (%d bytes)", i, got.Held, got.Len, want.Held, want.Len)
				}
			}
		})
	}
}

// TestDamageConcerns: a damaged line asks for a full sync of the sinks it
// names, or of every sink when it names none that is configured.
func TestDamageConcerns(t *testing.T) {
	sinks := []string{"a", "b", "c"}
	tests := []struct {
		named, want []string
	}{
		{[]string{"b"}, []string{"b"}},
		{[]string{"c", "a", "c"}, []string{"c", "a"}},
		{[]string{"b", "gone"}, []string{"b"}},
		{[]string{"gone"}, sinks},
		{nil, sinks},
	}
	for _, tt := range tests {
		if got := (Damage{Sinks: tt.named}).Concerns(sinks); !slices.Equal(got, tt.want) {
			t.Errorf("Damage naming %q concerns %q, want %q", tt.named, got, tt.want)
		}
	}
}

// TestAppendNeverLandsOnAPartialLine: a file that ends in the middle of a
// line (a crash) gets that line ended first, so the new entries stay whole
// and the fragment stays readable as damage.
func TestAppendNeverLandsOnAPartialLine(t *testing.T) {
	l := open(t, filepath.Join(t.TempDir(), "fail.log"))
	must(t, os.WriteFile(l.Path(), []byte(good+"\n"+fragment), 0o600))
	must(t, l.Append(Entry{Sink: "b", Event: event.Event{Op: event.Delete, Path: "new"}}))
	entries, damage, err := l.Load()
	if err != nil || len(entries) != 2 || entries[1].Event.Path != "new" || len(damage) != 1 || damage[0].Line != 2 {
		t.Fatalf("after appending to a torn file: entries %+v, damage %+v, err %v", entries, damage, err)
	}
	data, _ := os.ReadFile(l.Path())
	if !strings.HasPrefix(string(data), good+"\n"+fragment+"\n{") {
		t.Fatalf("the fragment was not ended before the append:\n%s", data)
	}
}

// TestRepairTurnsDamageIntoFullSyncRequests: after Repair every line
// decodes; each damaged line became a Rescan for each sink it concerns,
// which that sink's next full sync compacts away.
func TestRepairTurnsDamageIntoFullSyncRequests(t *testing.T) {
	l := open(t, filepath.Join(t.TempDir(), "fail.log"))
	later := strings.Replace(good, "2026", "2030", 1)
	must(t, os.WriteFile(l.Path(), []byte(later+"\n"+fragment+"\n"+headless), 0o600))
	n, err := l.Repair([]string{"a", "b"})
	if err != nil || n != 2 {
		t.Fatalf("Repair: %d lines, %v; want 2", n, err)
	}
	entries, damage, err := l.Load()
	if err != nil || len(damage) != 0 {
		t.Fatalf("after Repair: damage %+v, err %v", damage, err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, fmt.Sprintf("%s %s %q", e.Sink, e.Event.Op, e.Event.Path))
		if e.Event.Op == event.Rescan && !strings.Contains(e.Reason, "damaged line") {
			t.Errorf("a repaired entry's reason should say which line it replaces: %q", e.Reason)
		}
	}
	want := []string{`a Modify "f"`, `a Rescan ""`, `a Rescan ""`, `b Rescan ""`}
	if !slices.Equal(got, want) {
		t.Fatalf("after Repair:\n got %q\nwant %q", got, want)
	}
	if n, err := l.Compact("a", time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil || n != 2 {
		t.Fatalf("Compact a: removed %d, %v; want the 2 requests (the 2030 entry stays)", n, err)
	}
	if n, err := l.Repair([]string{"a", "b"}); err != nil || n != 0 {
		t.Fatalf("Repair of a clean file: %d, %v", n, err)
	}
}

func TestCompactDropsOnlyThatSinksOlderEntries(t *testing.T) {
	l := open(t, filepath.Join(t.TempDir(), "fail.log"))
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ev := event.Event{Op: event.Modify, Path: "f"}
	must(t, l.Append(
		Entry{Time: t0, Sink: "a", Event: ev},
		Entry{Time: t0.Add(2 * time.Second), Sink: "a", Event: ev},
		Entry{Time: t0, Sink: "b", Event: ev},
	))
	n, err := l.Compact("a", t0.Add(time.Second))
	if err != nil || n != 1 {
		t.Fatalf("Compact: removed %d, err %v; want 1", n, err)
	}
	got, _, _ := l.Load()
	if len(got) != 2 || got[0].Sink != "a" || !got[0].Time.Equal(t0.Add(2*time.Second)) || got[1].Sink != "b" {
		t.Fatalf("after Compact: %+v", got)
	}
	l.Compact("a", t0.Add(time.Hour))
	l.Compact("b", t0.Add(time.Hour))
	if _, err := os.Stat(l.Path()); !os.IsNotExist(err) {
		t.Fatalf("an empty fail log is removed; stat: %v", err)
	}
}

// TestCompactKeepsDamagedLines: Compact cannot tell whose a damaged line
// is, so it keeps it (ended with a newline) for Repair at the next start.
func TestCompactKeepsDamagedLines(t *testing.T) {
	l := open(t, filepath.Join(t.TempDir(), "fail.log"))
	must(t, os.WriteFile(l.Path(), []byte(good+"\n"+headless), 0o600))
	if n, err := l.Compact("a", time.Now()); err != nil || n != 1 {
		t.Fatalf("Compact: removed %d, %v; want 1", n, err)
	}
	if data, _ := os.ReadFile(l.Path()); string(data) != headless+"\n" {
		t.Fatalf("after Compact: %q, want the damaged line alone", data)
	}
}

// TestCompactKeepsWhatIsAppendedMeanwhile: appends race with compactions
// of the same sink; every entry newer than the compactions' cut-off
// survives.
func TestCompactKeepsWhatIsAppendedMeanwhile(t *testing.T) {
	l := open(t, filepath.Join(t.TempDir(), "fail.log"))
	cutoff := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const writers, each = 4, 50
	done := make(chan error, writers)
	for w := range writers {
		go func() {
			for i := range each {
				old := Entry{Time: cutoff.Add(-time.Hour), Sink: "a", Event: event.Event{Op: event.Modify, Path: "old"}}
				keep := Entry{Time: cutoff.Add(time.Hour), Sink: "a", Event: event.Event{Op: event.Modify, Path: fmt.Sprintf("w%d-%d", w, i)}}
				if err := l.Append(old, keep); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	running := writers
	for running > 0 {
		select {
		case err := <-done:
			must(t, err)
			running--
		default:
			if _, err := l.Compact("a", cutoff); err != nil {
				t.Fatal(err)
			}
		}
	}
	l.Compact("a", cutoff)
	entries, damage, err := l.Load()
	if err != nil || len(damage) != 0 || len(entries) != writers*each {
		t.Fatalf("after racing compactions: %d entries (want %d), damage %+v, err %v", len(entries), writers*each, damage, err)
	}
	for _, e := range entries {
		if e.Event.Path == "old" {
			t.Fatalf("an entry older than the cut-off survived: %+v", e)
		}
	}
}

// TestASecondOpenIsRefused: one Log per fail log at a time, whichever
// process asks; the refusal names the file, the holder's PID and the lock
// file. Close lets the next one in.
func TestASecondOpenIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fail.log")
	first := open(t, path)
	_, err := Open(path)
	if !errors.Is(err, ErrInUse) {
		t.Fatalf("second Open: %v, want ErrInUse", err)
	}
	for _, w := range []string{path, fmt.Sprintf("pid %d", os.Getpid()), path + ".lock", "settings.failLog"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%q does not mention %q", err, w)
		}
	}
	must(t, first.Close())
	if err := first.Append(Entry{Sink: "a"}); !errors.Is(err, ErrClosed) {
		t.Errorf("Append after Close: %v, want ErrClosed", err)
	}
	second := open(t, path)
	must(t, second.Append(Entry{Sink: "a", Event: event.Event{Op: event.Modify, Path: "f"}}))
}

func open(t *testing.T, path string) *Log {
	t.Helper()
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestRename(t *testing.T) {
	l, err := Open(filepath.Join(t.TempDir(), "fail.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := l.Append(
		Entry{Time: at, Sink: "www -> /old", Event: event.Event{Op: event.Modify, Path: "a\xff"}, Attempts: 2, Reason: "r"},
		Entry{Time: at, Sink: "other", Event: event.Event{Op: event.Delete, Path: "b"}},
	); err != nil {
		t.Fatal(err)
	}
	n, err := l.Rename(map[string]string{"www -> /old": "www/direct:/old", "absent": "x"})
	if err != nil || n != 1 {
		t.Fatalf("Rename = %d, %v; want 1 entry renamed", n, err)
	}
	entries, damage, err := l.Load()
	if err != nil || len(damage) != 0 || len(entries) != 2 {
		t.Fatalf("Load = %v, %v, %v", entries, damage, err)
	}
	want := Entry{Time: at, Sink: "www/direct:/old", Event: event.Event{Op: event.Modify, Path: "a\xff"}, Attempts: 2, Reason: "r"}
	if entries[0] != want || entries[1].Sink != "other" {
		t.Errorf("after Rename: %+v, %+v; want %+v first", entries[0], entries[1], want)
	}
}

func TestDrop(t *testing.T) {
	l, err := Open(filepath.Join(t.TempDir(), "fail.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	at := time.Date(2026, 1, 1, 0, 0, 0, 123456789, time.Local)
	marker := Entry{Time: at, Sink: "s", Event: event.Event{Op: event.Rescan, IsDir: true}}
	keep := []Entry{
		{Time: at.Add(time.Nanosecond), Sink: "s", Event: event.Event{Op: event.Modify, Path: "a"}},
		{Time: at, Sink: "other", Event: event.Event{Op: event.Rescan, IsDir: true}},
	}
	if err := l.Append(append([]Entry{marker}, keep...)...); err != nil {
		t.Fatal(err)
	}
	if n, err := l.Drop("s", at); err != nil || n != 1 {
		t.Fatalf("Drop = %d, %v; want the marker alone", n, err)
	}
	entries, _, err := l.Load()
	if err != nil || len(entries) != 2 || entries[0].Event.Path != "a" || entries[1].Sink != "other" {
		t.Fatalf("after Drop: %+v, %v", entries, err)
	}
}

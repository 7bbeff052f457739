package faillog

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/event"
)

func TestAppendLoadRoundTripsEveryPath(t *testing.T) {
	l, err := Open(filepath.Join(t.TempDir(), "state", "fail.log"))
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	want := []Entry{
		{Time: t0, Sink: "s1", Event: event.Event{Op: event.Modify, Path: "a b/c\nd"}, Attempts: 5, Reason: "disk full"},
		{Time: t0, Sink: "s1", Event: event.Event{Op: event.Move, Path: "x/\xff\xfe", From: "-$(rm -rf)'\"", IsDir: true}},
		{Time: t0.Add(time.Second), Sink: "s2", Event: event.Event{Op: event.Rescan, Path: "", IsDir: true}},
	}
	if err := l.Append(want[:2]...); err != nil {
		t.Fatal(err)
	}
	if err := l.Append(want[2]); err != nil {
		t.Fatal(err)
	}
	got, err := l.Load()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Load:\n got %+v\nwant %+v", got, want)
	}
	if fi, err := os.Stat(l.Path()); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("fail log mode: %v %v (want 0600: paths can be sensitive)", fi.Mode(), err)
	}
}

func TestLoadIgnoresOnlyATornLastLine(t *testing.T) {
	dir := t.TempDir()
	l, _ := Open(filepath.Join(dir, "fail.log"))
	if err := l.Append(Entry{Sink: "s", Event: event.Event{Op: event.Delete, Path: "a"}}); err != nil {
		t.Fatal(err)
	}
	f, _ := os.OpenFile(l.Path(), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"time":"2026-01-01T00:00:00Z","sink":"s","op":"Mo`)
	f.Close()
	got, err := l.Load()
	if err != nil || len(got) != 1 {
		t.Fatalf("torn last line: got %d entries, err %v; want 1, nil", len(got), err)
	}
	os.WriteFile(l.Path(), []byte("garbage\n{\"op\":\"Delete\",\"sink\":\"s\"}\n"), 0o600)
	if _, err := l.Load(); err == nil {
		t.Fatal("a bad line in the middle must be an error, got nil")
	}
}

func TestCompactDropsOnlyThatSinksOlderEntries(t *testing.T) {
	l, _ := Open(filepath.Join(t.TempDir(), "fail.log"))
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ev := event.Event{Op: event.Modify, Path: "f"}
	l.Append(
		Entry{Time: t0, Sink: "a", Event: ev},
		Entry{Time: t0.Add(2 * time.Second), Sink: "a", Event: ev},
		Entry{Time: t0, Sink: "b", Event: ev},
	)
	n, err := l.Compact("a", t0.Add(time.Second))
	if err != nil || n != 1 {
		t.Fatalf("Compact: removed %d, err %v; want 1", n, err)
	}
	got, _ := l.Load()
	if len(got) != 2 || got[0].Sink != "a" || !got[0].Time.Equal(t0.Add(2*time.Second)) || got[1].Sink != "b" {
		t.Fatalf("after Compact: %+v", got)
	}
	l.Compact("a", t0.Add(time.Hour))
	l.Compact("b", t0.Add(time.Hour))
	if _, err := os.Stat(l.Path()); !os.IsNotExist(err) {
		t.Fatalf("an empty fail log is removed; stat: %v", err)
	}
}

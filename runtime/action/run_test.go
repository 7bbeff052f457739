package action

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/luasync/luasync/runtime/event"
)

func testSink(t *testing.T, log *bytes.Buffer, limit int) *Sink {
	t.Helper()
	s := New(Options{Name: "t", Lua: nopLua{}, Logger: slog.New(slog.NewTextHandler(log, nil)), OutputLimit: limit})
	t.Cleanup(func() { s.Close() })
	return s
}

// nopLua is enough for run, which never calls back.
type nopLua struct{}

func (nopLua) Deliver(ctx context.Context, index int, id uint64, b event.Batch) (event.Step, error) {
	return event.Step{}, nil
}
func (nopLua) Collect(ctx context.Context, index int, agent int64, code int, res []event.Result) (event.Step, error) {
	return event.Step{}, nil
}
func (nopLua) Listen(int, func(event.Step)) {}

func TestRunExitCodes(t *testing.T) {
	var log bytes.Buffer
	s := testSink(t, &log, 0)
	for _, c := range []struct {
		argv []string
		want int
	}{
		{[]string{"/bin/true"}, 0},
		{[]string{"sh", "-c", "exit 7"}, 7},
		{[]string{"sh", "-c", `kill -TERM $$`}, 128 + 15},
		{[]string{"/nonexistent/binary"}, exitNotFound},
		{[]string{"no-such-binary-in-path"}, exitNotFound},
		{[]string{"/etc/passwd"}, exitCannotRun},
	} {
		if got := s.run(event.Spawn{Argv: c.argv}); got != c.want {
			t.Errorf("%q: exit %d, want %d", c.argv, got, c.want)
		}
	}
}

func TestRunStdinOutputAndTimeout(t *testing.T) {
	var log bytes.Buffer
	s := testSink(t, &log, 10)
	if code := s.run(event.Spawn{Argv: []string{"cat"}, Stdin: "line one\nline two is long\n", HasStdin: true}); code != 0 {
		t.Fatalf("cat: exit %d", code)
	}
	out := log.String()
	if !strings.Contains(out, `line="line one"`) || !strings.Contains(out, "dropped_bytes=16") {
		t.Errorf("output not logged and cut at 10 bytes (26 written):\n%s", out)
	}
	begin := time.Now()
	if code := s.run(event.Spawn{Argv: []string{"sleep", "30"}, Timeout: 100 * time.Millisecond}); code != 128+15 {
		t.Errorf("sleep past its timeout: exit %d, want %d", code, 128+15)
	}
	if d := time.Since(begin); d > 20*time.Second {
		t.Errorf("the timeout took %v", d)
	}
}

package sdk_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/luasync/luasync/plugins/sdk"
	"github.com/luasync/luasync/plugins/sdk/sdktest"
)

// echo reports events by op: Create OK, Modify Retry, Delete Fail; it
// leaves out Attrib, and panics on a path named "panic".
type echo struct {
	prefix string
	got    []sdk.Event
}

func (e *echo) Info() sdk.Info {
	return sdk.Info{Name: "echo", Version: "1.2.3", Accepts: []sdk.Op{sdk.Create, sdk.Delete}, MaxBatch: 7}
}

func (e *echo) Configure(_ context.Context, cfg *sdk.Config) error {
	e.prefix = cfg.Required("prefix")
	cfg.Duration("timeout", time.Second)
	cfg.Int("workers", 1, 1, 64)
	cfg.CallTimeout = 42 * time.Second
	return cfg.Err()
}

func (e *echo) Handle(_ context.Context, events []sdk.Event) []sdk.Result {
	var out []sdk.Result
	for _, ev := range events {
		e.got = append(e.got, ev)
		switch ev.Op {
		case sdk.Create:
			if ev.Path == "panic" {
				panic("boom")
			}
			out = append(out, sdk.Done(ev))
		case sdk.Modify:
			out = append(out, sdk.Again(ev, errors.New("busy")))
		case sdk.Delete:
			out = append(out, sdk.Failed(ev, errors.New("never")))
		}
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	p := &echo{}
	c := sdktest.Start(t, p)
	ctx := context.Background()
	info, err := c.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Name != "echo" || info.Version != "1.2.3" || info.MaxBatch != 7 || len(info.Accepts) != 2 || info.Accepts[1] != sdk.Delete {
		t.Fatalf("info = %+v", info)
	}
	cfg := &sdk.Config{Sync: "www", Source: "/srv/\xff", Values: map[string]any{"prefix": "/bin/true"}}
	if err := c.Configure(ctx, cfg); err != nil {
		t.Fatalf("configure: %v", err)
	}
	if cfg.CallTimeout != 42*time.Second {
		t.Errorf("the plugin's call timeout arrived as %v, want 42s", cfg.CallTimeout)
	}
	when := time.Date(2026, 12, 3, 10, 0, 0, 5, time.UTC)
	odd := "dir/-n \n'$(x)'\xfe.txt"
	results, err := c.Handle(ctx, []sdk.Event{
		{ID: 1, Op: sdk.Create, Path: odd, Time: when, Size: 42},
		{ID: 2, Op: sdk.Modify, Path: "b"},
		{ID: 3, Op: sdk.Delete, Path: "c", IsDir: true},
		{ID: 4, Op: sdk.Move, Path: "d", From: "e\x01", Again: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []sdk.Result{{ID: 1, Outcome: sdk.OK}, {ID: 2, Outcome: sdk.Retry, Reason: "busy"}, {ID: 3, Outcome: sdk.Fail, Reason: "never"}}
	if len(results) != len(want) {
		t.Fatalf("results = %+v, want %+v", results, want)
	}
	for i := range want {
		if results[i] != want[i] {
			t.Errorf("result %d = %+v, want %+v", i, results[i], want[i])
		}
	}
	if p.prefix != "/bin/true" || len(p.got) != 4 {
		t.Fatalf("plugin saw prefix %q, %d events", p.prefix, len(p.got))
	}
	if g := p.got[0]; g.Path != odd || !g.Time.Equal(when) || g.Size != 42 {
		t.Errorf("event 1 arrived as %+v", g)
	}
	if g := p.got[3]; g.From != "e\x01" || g.Op != sdk.Move || !g.Again {
		t.Errorf("event 4 arrived as %+v", g)
	}
	if g := p.got[2]; !g.IsDir {
		t.Errorf("event 3 lost IsDir: %+v", g)
	}
}

func TestConfigErrorsNameTheKey(t *testing.T) {
	c := sdktest.Start(t, &echo{})
	err := c.Configure(context.Background(), &sdk.Config{Values: map[string]any{
		"timeout": "soon", "workers": 2.5, "prefx": "/bin/true"}})
	var errs sdk.ConfigErrors
	if !errors.As(err, &errs) {
		t.Fatalf("configure error = %v (%T), want ConfigErrors", err, err)
	}
	got := map[string]string{}
	for _, e := range errs {
		got[e.Key] = e.Message
	}
	for key, want := range map[string]string{"prefix": "required", "timeout": "not a duration", "workers": "whole number", "prefx": "unknown key"} {
		if !strings.Contains(got[key], want) {
			t.Errorf("key %s: message %q, want it to say %q (all: %v)", key, got[key], want, errs)
		}
	}
}

func TestPanicIsAnErrorNotACrash(t *testing.T) {
	c := sdktest.Start(t, &echo{})
	if _, err := c.Handle(context.Background(), []sdk.Event{{ID: 1, Op: sdk.Create, Path: "panic"}}); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("handle error = %v, want the panic", err)
	}
	res, err := c.Handle(context.Background(), []sdk.Event{{ID: 9, Op: sdk.Create, Path: "after"}})
	if err != nil || len(res) != 1 || res[0].Outcome != sdk.OK {
		t.Fatalf("after a panic: %v, %v", res, err)
	}
}

func TestOpNames(t *testing.T) {
	for op := sdk.Create; op <= sdk.Full; op++ {
		back, err := sdk.ParseOp(op.String())
		if err != nil || back != op {
			t.Errorf("%v: ParseOp gives %v, %v", op, back, err)
		}
	}
	if _, err := sdk.ParseOp("rename"); err == nil {
		t.Error("ParseOp(rename) did not fail")
	}
}

// An empty Lua table arrives as an empty object; a list getter takes it
// as the empty list it usually means.
func TestEmptyTableIsAnEmptyList(t *testing.T) {
	cfg := &sdk.Config{Values: map[string]any{"a": map[string]any{}, "b": []any{"x"}, "c": map[string]any{"k": "v"}}}
	if got := cfg.Strings("a"); got == nil || len(got) != 0 {
		t.Errorf("Strings(a) = %#v, want an empty list", got)
	}
	if got := cfg.Strings("b"); len(got) != 1 || got[0] != "x" {
		t.Errorf("Strings(b) = %#v", got)
	}
	cfg.Strings("c")
	if err := cfg.Err(); err == nil || !strings.Contains(err.Error(), "c: want a list of strings, got a table") {
		t.Errorf("a table with keys as a list: %v", err)
	}
}

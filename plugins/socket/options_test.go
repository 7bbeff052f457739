package socket

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/luasync/luasync/plugins/sdk"
	"github.com/luasync/luasync/plugins/sdk/sdktest"
)

// TestConfigErrorsNameTheKey: every mistake comes back under its key.
func TestConfigErrorsNameTheKey(t *testing.T) {
	for _, tc := range []struct {
		name   string
		values map[string]any
		key    string
		says   string
	}{
		{"no address", map[string]any{}, "address", "required"},
		{"no port", map[string]any{"address": "192.168.138.20"}, "address", "not host:port"},
		{"empty port", map[string]any{"address": "localhost:"}, "address", "not host:port"},
		{"empty unix path", map[string]any{"address": "unix:"}, "address", "names no socket"},
		{"address a number", map[string]any{"address": 8009.0}, "address", "want a string"},
		{"format", map[string]any{"address": "h:1", "format": "xml"}, "format", "not one of json, sersync"},
		{"reconnect", map[string]any{"address": "h:1", "reconnect": "soon"}, "reconnect", "not a duration"},
		{"connectTimeout", map[string]any{"address": "h:1", "connectTimeout": -1.0}, "connectTimeout", "positive"},
		{"writeTimeout", map[string]any{"address": "h:1", "writeTimeout": true}, "writeTimeout", "want seconds"},
		{"buffer", map[string]any{"address": "h:1", "buffer": 0.0}, "buffer", "out of range"},
		{"unknown key", map[string]any{"address": "h:1", "port": 8009.0}, "port", "unknown key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := sdktest.Start(t, New())
			err := c.Configure(context.Background(), &sdk.Config{Values: tc.values})
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

// TestCheckOnlyValidates: under `luasync check` nothing connects, and
// the plugin stays unconfigured.
func TestCheckOnlyValidates(t *testing.T) {
	s := listen(t, "tcp")
	c := sdktest.Start(t, New())
	if err := c.Configure(context.Background(), &sdk.Config{Check: true, Values: map[string]any{"address": s.address()}}); err != nil {
		t.Fatalf("check: %v", err)
	}
	r := handle(t, c, sdk.Event{ID: 1, Op: sdk.Create, Path: "f"})[1]
	if r.Outcome != sdk.Retry || !strings.Contains(r.Reason, "not configured") {
		t.Errorf("after a check: %v %q, want a retry: not configured", r.Outcome, r.Reason)
	}
	select {
	case <-s.conns:
		t.Error("a check connected to the listener")
	default:
	}
}

// TestNothingListening: connection refused is a retry, with the reason.
func TestNothingListening(t *testing.T) {
	s := listen(t, "tcp")
	s.stop()
	c := start(t, map[string]any{"address": s.address()})
	for range 2 {
		r := handle(t, c, sdk.Event{ID: 1, Op: sdk.Create, Path: "f"})[1]
		if r.Outcome != sdk.Retry || !strings.Contains(r.Reason, s.address()) {
			t.Errorf("%v %q, want a retry naming the address", r.Outcome, r.Reason)
		}
	}
}

package cdn

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/luasync/luasync/plugins/sdk"
)

// fastlyAPI plays POST /purge/{host}/{path} and POST
// /service/{id}/purge_all, checking the key; status may override the
// answer (0: 200 {"status":"ok"}).
func fastlyAPI(t *testing.T, status func(n int, r recorded, h http.Header) int) *standIn {
	return newStandIn(t, func(n int, r recorded, w http.ResponseWriter) {
		if r.method != http.MethodPost {
			t.Errorf("request %d: method %s, want POST", n, r.method)
		}
		if r.header.Get("Fastly-Key") != secret {
			t.Errorf("request %d: Fastly-Key %q, want the token", n, r.header.Get("Fastly-Key"))
		}
		if r.header.Get("Authorization") != "" {
			t.Errorf("request %d: an Authorization header too", n)
		}
		code := http.StatusOK
		if status != nil {
			if c := status(n, r, w.Header()); c != 0 {
				code = c
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		if code == http.StatusOK {
			fmt.Fprintf(w, `{"status":"ok","id":"108-%d"}`, n)
		} else {
			fmt.Fprint(w, `{"msg":"no","detail":"nope"}`)
		}
	})
}

func fastlyConfig(t *testing.T, api *standIn, extra map[string]any) map[string]any {
	v := map[string]any{"provider": "fastly", "api": api.URL, "base": "https://www.example.com/",
		"tokenEnv": "TEST_FASTLY_KEY", "rate": 1000}
	t.Setenv("TEST_FASTLY_KEY", secret)
	for k, x := range extra {
		v[k] = x
	}
	return v
}

func TestFastlyPurgesEachURL(t *testing.T) {
	api := fastlyAPI(t, func(_ int, r recorded, _ http.Header) int {
		if r.header.Get("Fastly-Soft-Purge") != "1" {
			t.Errorf("%s: no Fastly-Soft-Purge: 1 with softPurge = true", r.path)
		}
		return 0
	})
	p := start(t, fastlyConfig(t, api, map[string]any{"softPurge": true}))
	move := ev(2, sdk.Move, "b/new.css")
	move.From = "b/old.css"
	res := p.handle(ev(1, sdk.Delete, "a b/c#d?e%f.png"), move, ev(3, sdk.Create, "\xff.bin"), ev(4, sdk.Attrib, "x"))
	for _, r := range res {
		wantOutcome(t, r, sdk.OK, "")
	}
	var got []string
	for _, r := range api.requests() {
		got = append(got, r.path)
	}
	want := []string{
		"/purge/www.example.com/a%20b/c%23d%3Fe%25f.png",
		"/purge/www.example.com/b/old.css",
		"/purge/www.example.com/b/new.css",
		"/purge/www.example.com/%FF.bin",
	}
	if !slices.Equal(got, want) {
		t.Errorf("requests\n%q\nwant\n%q", got, want)
	}
}

func TestFastlyFullPurgesTheService(t *testing.T) {
	api := fastlyAPI(t, func(_ int, r recorded, _ http.Header) int {
		if r.path != "/service/SU1Z0isxPaozGVKXdv0eY/purge_all" {
			t.Errorf("request %s, want only purge_all", r.path)
		}
		if r.header.Get("Fastly-Soft-Purge") != "" {
			t.Errorf("purge_all sent soft; Fastly refuses that")
		}
		return 0
	})
	p := start(t, fastlyConfig(t, api, map[string]any{"full": "all", "service": "SU1Z0isxPaozGVKXdv0eY", "softPurge": true}))
	for _, r := range p.handle(ev(1, sdk.Full, ""), ev(2, sdk.Modify, "a.txt")) {
		wantOutcome(t, r, sdk.OK, "")
	}
	if n := len(api.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// Retry-After may be an HTTP date; a 429 that lasts past attempts is Retry.
func TestFastlyThrottled(t *testing.T) {
	t.Run("Retry-After as a date", func(t *testing.T) {
		api := fastlyAPI(t, func(n int, _ recorded, h http.Header) int {
			if n == 1 {
				h.Set("Retry-After", time.Now().Add(2*time.Second).UTC().Format(http.TimeFormat))
				return http.StatusTooManyRequests
			}
			return 0
		})
		p := start(t, fastlyConfig(t, api, nil))
		wantOutcome(t, p.handle(ev(1, sdk.Modify, "a.txt"))[1], sdk.OK, "")
		reqs := api.requests()
		if len(reqs) != 2 {
			t.Fatalf("%d requests, want 2", len(reqs))
		}
		// The date has whole seconds: now+2s waits at least 1s.
		if gap := reqs[1].at.Sub(reqs[0].at); gap < 900*time.Millisecond {
			t.Errorf("retried after %v, before the Retry-After date", gap)
		}
	})
	t.Run("a lasting 429 stops the batch", func(t *testing.T) {
		api := fastlyAPI(t, func(_ int, _ recorded, h http.Header) int {
			h.Set("Retry-After", "0")
			return http.StatusTooManyRequests
		})
		p := start(t, fastlyConfig(t, api, map[string]any{"attempts": 2}))
		res := p.handle(ev(1, sdk.Modify, "a.txt"), ev(2, sdk.Modify, "b.txt"))
		wantOutcome(t, res[1], sdk.Retry, "429 Too Many Requests")
		wantOutcome(t, res[1], sdk.Retry, "(2 tries)")
		wantOutcome(t, res[2], sdk.Retry, "not sent")
		if n := len(api.requests()); n != 2 {
			t.Errorf("%d requests, want 2: two tries of a.txt, none of b.txt", n)
		}
	})
	t.Run("a Retry-After past the call's deadline is left to the host", func(t *testing.T) {
		api := fastlyAPI(t, func(_ int, _ recorded, h http.Header) int {
			h.Set("Retry-After", "300")
			return http.StatusTooManyRequests
		})
		p := start(t, fastlyConfig(t, api, nil))
		wantOutcome(t, p.handle(ev(1, sdk.Modify, "a.txt"))[1], sdk.Retry, "retry after 5m0s")
	})
}

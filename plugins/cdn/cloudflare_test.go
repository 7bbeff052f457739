package cdn

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/luasync/luasync/plugins/sdk"
)

const zone = "023e105f4ecef8ad9ca31a8372d0c353"

// cloudflareAPI plays POST /zones/{zone}/purge_cache: it checks what a
// real one would refuse, then answers with status (0: 200 success).
func cloudflareAPI(t *testing.T, status func(n int, body cfBody, h http.Header) (int, string)) *standIn {
	return newStandIn(t, func(n int, r recorded, w http.ResponseWriter) {
		var body cfBody
		switch {
		case r.method != http.MethodPost || r.path != "/client/v4/zones/"+zone+"/purge_cache":
			t.Errorf("request %d: %s %s, want POST /client/v4/zones/%s/purge_cache", n, r.method, r.path, zone)
		case r.header.Get("Authorization") != "Bearer "+secret:
			t.Errorf("request %d: Authorization %q, want the bearer token", n, r.header.Get("Authorization"))
		case r.header.Get("Content-Type") != "application/json":
			t.Errorf("request %d: Content-Type %q", n, r.header.Get("Content-Type"))
		case json.Unmarshal(r.body, &body) != nil:
			t.Errorf("request %d: body %q is not JSON", n, r.body)
		case len(body.Files) > 30:
			t.Errorf("request %d: %d files, more than Cloudflare's 30", n, len(body.Files))
		case len(body.Files) == 0 && !body.PurgeEverything:
			t.Errorf("request %d: nothing to purge in %s", n, r.body)
		}
		code, answer := http.StatusOK, `{"success":true,"errors":[],"messages":[],"result":{"id":"`+zone+`"}}`
		if status != nil {
			if c, a := status(n, body, w.Header()); c != 0 {
				code, answer = c, a
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		fmt.Fprint(w, answer)
	})
}

type cfBody struct {
	Files           []string `json:"files"`
	PurgeEverything bool     `json:"purge_everything"`
}

func cloudflareConfig(t *testing.T, api *standIn, extra map[string]any) map[string]any {
	v := map[string]any{"provider": "cloudflare", "zone": zone, "api": api.URL + "/client/v4",
		"base": "https://www.example.com/", "tokenFile": tokenFile(t), "rate": 1000}
	for k, x := range extra {
		v[k] = x
	}
	return v
}

func TestCloudflarePurgesInBatchesOfThirty(t *testing.T) {
	api := cloudflareAPI(t, nil)
	p := start(t, cloudflareConfig(t, api, nil))
	var events []sdk.Event
	var want []string
	for i := range 75 {
		events = append(events, ev(uint64(i+1), sdk.Modify, fmt.Sprintf("img/%02d.png", i)))
		want = append(want, fmt.Sprintf("https://www.example.com/img/%02d.png", i))
	}
	for _, r := range p.handle(events...) {
		wantOutcome(t, r, sdk.OK, "")
	}
	reqs := api.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	var got []string
	for _, r := range reqs {
		var b cfBody
		_ = json.Unmarshal(r.body, &b)
		got = append(got, b.Files...)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("purged %q\nwant %q", got, want)
	}
}

func TestCloudflareHonoursRetryAfter(t *testing.T) {
	api := cloudflareAPI(t, func(n int, _ cfBody, h http.Header) (int, string) {
		if n == 1 {
			h.Set("Retry-After", "1")
			return http.StatusTooManyRequests, `{"success":false,"errors":[{"code":971,"message":"Please wait and consider throttling your request speed"}]}`
		}
		return 0, ""
	})
	p := start(t, cloudflareConfig(t, api, nil))
	wantOutcome(t, p.handle(ev(1, sdk.Modify, "a.css"))[1], sdk.OK, "")
	reqs := api.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2", len(reqs))
	}
	if gap := reqs[1].at.Sub(reqs[0].at); gap < 900*time.Millisecond {
		t.Errorf("retried after %v; Retry-After said 1s", gap)
	}
}

func TestCloudflareServerErrors(t *testing.T) {
	t.Run("500 then 200 is purged", func(t *testing.T) {
		api := cloudflareAPI(t, func(n int, _ cfBody, _ http.Header) (int, string) {
			if n == 1 {
				return http.StatusInternalServerError, `{"success":false}`
			}
			return 0, ""
		})
		p := start(t, cloudflareConfig(t, api, nil))
		wantOutcome(t, p.handle(ev(1, sdk.Create, "a.js"))[1], sdk.OK, "")
		if n := len(api.requests()); n != 2 {
			t.Errorf("%d requests, want 2", n)
		}
	})
	t.Run("a lasting 503 is retried later", func(t *testing.T) {
		api := cloudflareAPI(t, func(int, cfBody, http.Header) (int, string) { return http.StatusServiceUnavailable, "down" })
		p := start(t, cloudflareConfig(t, api, nil))
		wantOutcome(t, p.handle(ev(1, sdk.Modify, "a.js"))[1], sdk.Retry, "503")
		if n := len(api.requests()); n != 3 {
			t.Errorf("%d requests, want 3 (attempts)", n)
		}
	})
	t.Run("400 fails, and the echoed token is scrubbed", func(t *testing.T) {
		api := cloudflareAPI(t, func(int, cfBody, http.Header) (int, string) {
			return http.StatusBadRequest, `{"success":false,"errors":[{"code":1012,"message":"bad request for Bearer ` + secret + `"}]}`
		})
		p := start(t, cloudflareConfig(t, api, nil))
		r := p.handle(ev(1, sdk.Modify, "a.js"))[1]
		wantOutcome(t, r, sdk.Fail, "400 Bad Request")
		// The echo reached the reason and the log, scrubbed (start's
		// cleanup and handle check that the token itself is in neither).
		wantOutcome(t, r, sdk.Fail, "bad request for Bearer [token]")
		if !strings.Contains(p.logs.String(), "[token]") {
			t.Errorf("the failure is not logged:\n%s", p.logs.String())
		}
		if n := len(api.requests()); n != 1 {
			t.Errorf("%d requests, want 1: a 400 is not retried", n)
		}
	})
	t.Run("403 waits for a new token", func(t *testing.T) {
		api := cloudflareAPI(t, func(int, cfBody, http.Header) (int, string) {
			return http.StatusForbidden, `{"success":false,"errors":[{"code":10000,"message":"Authentication error"}]}`
		})
		p := start(t, cloudflareConfig(t, api, map[string]any{"batch": 1}))
		res := p.handle(ev(1, sdk.Modify, "a.js"), ev(2, sdk.Modify, "b.js"))
		wantOutcome(t, res[1], sdk.Retry, "403")
		wantOutcome(t, res[2], sdk.Retry, "403")
		if n := len(api.requests()); n != 1 {
			t.Errorf("%d requests, want 1: after a 403 the rest are not sent", n)
		}
	})
	t.Run("200 without success fails", func(t *testing.T) {
		api := cloudflareAPI(t, func(int, cfBody, http.Header) (int, string) { return http.StatusOK, `{"success":false}` })
		p := start(t, cloudflareConfig(t, api, nil))
		wantOutcome(t, p.handle(ev(1, sdk.Modify, "a.js"))[1], sdk.Fail, "not success")
	})
}

func TestCloudflareEventsAndURLs(t *testing.T) {
	api := cloudflareAPI(t, nil)
	p := start(t, cloudflareConfig(t, api, nil))
	move := ev(3, sdk.Move, "new/name.txt")
	move.From = "old/name.txt"
	res := p.handle(
		ev(1, sdk.Delete, "gone.txt"),
		ev(2, sdk.Attrib, "mode-only.txt"),
		move,
		ev(4, sdk.Modify, "docs/index.html"),
		ev(5, sdk.Modify, "dir with space/a#b?c%d.txt"),
		ev(6, sdk.Create, "caf\xc3\xa9 \xff\xfe.bin"),
		ev(7, sdk.Modify, "gone.txt"), // the same URL as event 1: purged once
		ev(8, sdk.Full, ""),           // full = "ignore" by default
	)
	for _, r := range res {
		wantOutcome(t, r, sdk.OK, "")
	}
	reqs := api.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	var b cfBody
	_ = json.Unmarshal(reqs[0].body, &b)
	want := []string{
		"https://www.example.com/gone.txt",
		"https://www.example.com/old/name.txt",
		"https://www.example.com/new/name.txt",
		"https://www.example.com/docs/index.html",
		"https://www.example.com/docs/",
		"https://www.example.com/dir%20with%20space/a%23b%3Fc%25d.txt",
		"https://www.example.com/caf%C3%A9%20%FF%FE.bin",
	}
	if !slices.Equal(b.Files, want) {
		t.Errorf("purged\n%q\nwant\n%q", b.Files, want)
	}
}

func TestCloudflareFullPurgesEverything(t *testing.T) {
	api := cloudflareAPI(t, nil)
	p := start(t, cloudflareConfig(t, api, map[string]any{"full": "all"}))
	dir := ev(2, sdk.Delete, "old")
	dir.IsDir = true
	res := p.handle(ev(1, sdk.Full, ""), dir, ev(3, sdk.Modify, "a.txt"))
	for _, r := range res {
		wantOutcome(t, r, sdk.OK, "")
	}
	reqs := api.requests()
	if len(reqs) != 1 || !strings.Contains(string(reqs[0].body), `"purge_everything":true`) {
		t.Errorf("want one purge_everything request (it covers the URLs too), got %d: %+v", len(reqs), reqs)
	}
}

// An event is OK only when all its URLs were purged: here each file has
// two (two bases), and every request that holds a b.example.com URL fails.
func TestCloudflareEventNeedsAllItsURLs(t *testing.T) {
	api := cloudflareAPI(t, func(_ int, b cfBody, _ http.Header) (int, string) {
		if len(b.Files) == 1 && strings.HasPrefix(b.Files[0], "https://b.example.com/bad") {
			return http.StatusBadRequest, `{"success":false,"errors":[{"code":1234,"message":"no"}]}`
		}
		return 0, ""
	})
	p := start(t, cloudflareConfig(t, api, map[string]any{"batch": 1,
		"base": []any{"https://a.example.com/", "https://b.example.com"}}))
	res := p.handle(ev(1, sdk.Modify, "bad.txt"), ev(2, sdk.Modify, "good.txt"))
	wantOutcome(t, res[1], sdk.Fail, "400 Bad Request")
	wantOutcome(t, res[2], sdk.OK, "")
	if n := len(api.requests()); n != 4 {
		t.Errorf("%d requests, want 4 (2 files x 2 bases, batch 1)", n)
	}
}

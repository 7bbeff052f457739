package cdn

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/luasync/luasync/plugins/sdk"
)

// Each mistake is reported under the key to fix.
func TestConfigMistakesNameTheKey(t *testing.T) {
	tok := tokenFile(t)
	t.Setenv("TEST_UNSET_TOKEN", "")
	cases := []struct {
		name   string
		values map[string]any
		key    string
		says   string
	}{
		{"no provider", map[string]any{"base": "http://x/"}, "provider", "required"},
		{"unknown provider", map[string]any{"provider": "akamai", "base": "http://x/"}, "provider", `"akamai"`},
		{"cloudflare without zone", map[string]any{"provider": "cloudflare", "base": "http://x/", "tokenFile": tok}, "zone", "required"},
		{"bad regex", map[string]any{"provider": "purge", "map": []any{
			map[string]any{"match": "^static/(.*$", "url": "https://cdn/$1"}}}, "map[1].match", "bad regular expression"},
		{"map url not http", map[string]any{"provider": "purge", "map": []any{
			map[string]any{"match": ".", "url": "cdn/$1"}}}, "map[1].url", "http://"},
		{"missing token file", map[string]any{"provider": "cloudflare", "zone": zone, "base": "http://x/",
			"tokenFile": filepath.Join(t.TempDir(), "nope")}, "tokenFile", "no such file"},
		{"token env unset", map[string]any{"provider": "fastly", "base": "http://x/",
			"tokenEnv": "TEST_UNSET_TOKEN"}, "tokenEnv", "TEST_UNSET_TOKEN"},
		{"no base and no map", map[string]any{"provider": "purge"}, "base", "set base"},
		{"base not a URL", map[string]any{"provider": "purge", "base": []any{"http://ok/", "ftp://x/"}}, "base[2]", "ftp"},
		{"key of another provider", map[string]any{"provider": "purge", "base": "http://x/", "zone": zone}, "zone", "cloudflare"},
		{"fastly full without service", map[string]any{"provider": "fastly", "base": "http://x/",
			"tokenFile": tok, "full": "all"}, "service", "purge_all"},
		{"unknown full", map[string]any{"provider": "purge", "base": "http://x/", "full": "some"}, "full", "ignore, all"},
		{"bad method", map[string]any{"provider": "purge", "base": "http://x/", "method": "PUR GE"}, "method", "not an HTTP method"},
		{"batch too big", map[string]any{"provider": "cloudflare", "zone": zone, "base": "http://x/",
			"tokenFile": tok, "batch": 501}, "batch", "out of range"},
		{"rate not positive", map[string]any{"provider": "purge", "base": "http://x/", "rate": 0}, "rate", "positive"},
		{"unknown key", map[string]any{"provider": "purge", "base": "http://x/", "bse": "http://y/"}, "bse", "unknown key"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := serve(t, New()).Configure(t.Context(), &sdk.Config{Values: c.values})
			var errs sdk.ConfigErrors
			if !errors.As(err, &errs) {
				t.Fatalf("got %v, want a mistake under %s", err, c.key)
			}
			for _, e := range errs {
				if e.Key == c.key && strings.Contains(e.Message, c.says) {
					return
				}
			}
			t.Errorf("got %v, want %s: ...%s...", err, c.key, c.says)
		})
	}
}

func TestConfigGood(t *testing.T) {
	t.Setenv("CLOUDFLARE_API_TOKEN", secret)
	values := map[string]any{"provider": "cloudflare", "zone": zone, "base": []any{"https://a/", "https://b"},
		"map": []any{map[string]any{"match": "^private/", "url": ""}}, "index": false, "full": "all",
		"rate": 0.5, "burst": 2, "attempts": 5, "timeout": "2s", "batch": 100}
	if err := serve(t, New()).Configure(t.Context(), &sdk.Config{Values: values}); err != nil {
		t.Fatalf("configure: %v", err)
	}
}

// `luasync check` validates without the service's environment: a token
// variable unset in the operator's shell is no mistake there.
func TestConfigCheckDoesNotReadTheEnvironment(t *testing.T) {
	t.Setenv("CLOUDFLARE_API_TOKEN", "")
	cfg := &sdk.Config{Check: true, Values: map[string]any{"provider": "cloudflare", "zone": zone, "base": "https://a/"}}
	if err := New().Configure(t.Context(), cfg); err != nil {
		t.Errorf("check: %v", err)
	}
	cfg.Check = false
	if err := New().Configure(t.Context(), cfg); err == nil || !strings.Contains(err.Error(), "CLOUDFLARE_API_TOKEN") {
		t.Errorf("configure without the token: %v, want a mistake naming CLOUDFLARE_API_TOKEN", err)
	}
}

func TestHandleBeforeConfigureRetries(t *testing.T) {
	res := New().Handle(t.Context(), []sdk.Event{ev(1, sdk.Modify, "a")})
	if len(res) != 1 || res[0].Outcome != sdk.Retry {
		t.Errorf("got %+v, want one Retry", res)
	}
}

func TestInfo(t *testing.T) {
	info, err := serve(t, New()).Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if info.Name != "cdn" || info.MaxBatch != 1000 || info.MaxInFlight != 1 {
		t.Errorf("info %+v", info)
	}
	for _, op := range info.Accepts {
		if op == sdk.Attrib {
			t.Errorf("accepts attrib: it changes no cached bytes")
		}
	}
}

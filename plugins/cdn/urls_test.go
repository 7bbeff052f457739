package cdn

import (
	"slices"
	"testing"

	"github.com/luasync/luasync/plugins/sdk"
)

// The mapping from events to what gets purged: the plugin's specification.
func TestTargets(t *testing.T) {
	base := map[string]any{"provider": "purge", "base": "http://www.example.com/site"}
	twoBases := map[string]any{"provider": "purge", "base": []any{"http://a.example.com/", "https://b.example.com/"}}
	// sersync's refreshCDN example, as map rules: a directory per site.
	sites := map[string]any{"provider": "purge", "map": []any{
		map[string]any{"match": "^private/", "url": ""},
		map[string]any{"match": `^(?P<site>[a-z0-9]+)\.xoyo\.com/images/(.*)$`, "url": "http://${site}.xoyo.com/images/$2"},
	}}
	withFallback := map[string]any{"provider": "purge", "base": "http://origin.example.com/", "map": []any{
		map[string]any{"match": "^static/(.*)$", "url": "https://cdn.example.com/$1"},
	}}
	full := map[string]any{"provider": "purge", "base": "http://www.example.com/", "full": "all"}
	noIndex := map[string]any{"provider": "purge", "base": "http://www.example.com/", "index": []any{}}
	dir := func(e sdk.Event) sdk.Event { e.IsDir = true; return e }
	move := func(from, to string) sdk.Event { e := ev(1, sdk.Move, to); e.From = from; return e }

	cases := []struct {
		name   string
		values map[string]any
		event  sdk.Event
		want   []string // "URL", or "below URL" for fullMethod, or "all"
	}{
		{"a file under a base", base, ev(1, sdk.Modify, "a/b.txt"), []string{"http://www.example.com/site/a/b.txt"}},
		{"escaped", base, ev(1, sdk.Create, "a b/%?#\xff.txt"), []string{"http://www.example.com/site/a%20b/%25%3F%23%FF.txt"}},
		{"every base", twoBases, ev(1, sdk.Delete, "x.js"), []string{"http://a.example.com/x.js", "https://b.example.com/x.js"}},
		{"a move purges both names", base, move("old.txt", "new.txt"),
			[]string{"http://www.example.com/site/old.txt", "http://www.example.com/site/new.txt"}},
		{"attrib purges nothing", base, ev(1, sdk.Attrib, "a.txt"), nil},
		{"an index file purges its directory", base, ev(1, sdk.Modify, "docs/index.html"),
			[]string{"http://www.example.com/site/docs/index.html", "http://www.example.com/site/docs/"}},
		{"the top index purges the base", base, ev(1, sdk.Modify, "index.html"),
			[]string{"http://www.example.com/site/index.html", "http://www.example.com/site/"}},
		{"index = {} turns that off", noIndex, ev(1, sdk.Modify, "index.html"), []string{"http://www.example.com/index.html"}},
		{"a directory is its URL with a slash", base, dir(ev(1, sdk.Create, "new dir")), []string{"http://www.example.com/site/new%20dir/"}},
		{"full is ignored by default", base, ev(1, sdk.Full, ""), nil},
		{"full = all: a full sync bans below", full, ev(1, sdk.Full, "sub"), []string{"below http://www.example.com/sub/"}},
		{"full = all: the whole tree", full, ev(1, sdk.Full, ""), []string{"below http://www.example.com/"}},
		{"full = all: a deleted directory", full, dir(ev(1, sdk.Delete, "gone")),
			[]string{"http://www.example.com/gone/", "below http://www.example.com/gone/"}},
		{"map: captures fill the URL", sites, ev(1, sdk.Modify, "jx3.xoyo.com/images/a b.png"),
			[]string{"http://jx3.xoyo.com/images/a%20b.png"}},
		{"map: url = \"\" skips", sites, ev(1, sdk.Modify, "private/key.pem"), nil},
		{"map: no match and no base skips", sites, ev(1, sdk.Modify, "other.txt"), nil},
		{"map: no match falls back to base", withFallback, ev(1, sdk.Modify, "app.js"), []string{"http://origin.example.com/app.js"}},
		{"map: first match wins", withFallback, ev(1, sdk.Modify, "static/a#1.css"), []string{"https://cdn.example.com/a%231.css"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := &sdk.Config{Values: c.values}
			s := parse(cfg)
			if err := cfg.Err(); err != nil {
				t.Fatalf("config: %v", err)
			}
			ts, err := s.targets(c.event)
			if err != nil {
				t.Fatalf("targets: %v", err)
			}
			var got []string
			for _, tg := range ts {
				got = append(got, show(tg))
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("got  %q\nwant %q", got, c.want)
			}
		})
	}
}

func show(t target) string {
	switch t.kind {
	case purgeAll:
		return "all"
	case purgeBelow:
		return "below " + t.url
	}
	return t.url
}

func TestTargetsCloudflareFullIsEverything(t *testing.T) {
	cfg := &sdk.Config{Values: map[string]any{"provider": "cloudflare", "zone": zone, "base": "https://a/",
		"full": "all", "tokenFile": tokenFile(t)}}
	s := parse(cfg)
	ts, err := s.targets(ev(1, sdk.Full, "sub"))
	if err != nil || len(ts) != 1 || ts[0].kind != purgeAll {
		t.Errorf("got %v %v, want purge everything", ts, err)
	}
}

// A rule whose captures make no URL fails the event, and says why.
func TestTargetsBadExpansionFails(t *testing.T) {
	cfg := &sdk.Config{Values: map[string]any{"provider": "purge", "map": []any{
		map[string]any{"match": "^(.*)$", "url": "http://$1"}}}}
	s := parse(cfg)
	if _, err := s.targets(ev(1, sdk.Modify, "")); err == nil {
		t.Errorf("an empty host: no error")
	}
}

func TestEscapePathKeepsWhatBrowsersKeep(t *testing.T) {
	for in, want := range map[string]string{
		"a-b_c.d~e":          "a-b_c.d~e",
		"!$&'()*+,;=:@":      "!$&'()*+,;=:@",
		"a b":                "a%20b",
		"%#?[]\\^`{|}\"<>":   "%25%23%3F%5B%5D%5C%5E%60%7B%7C%7D%22%3C%3E",
		"d/\xc3\xa9\x01\x7f": "d/%C3%A9%01%7F",
	} {
		if got := escapePath(in); got != want {
			t.Errorf("escapePath(%q) = %q, want %q", in, got, want)
		}
	}
}

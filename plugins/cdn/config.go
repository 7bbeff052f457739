package cdn

import (
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/luasync/luasync/plugins/sdk"
)

// settings is the plugin's table from the Lua config, checked. The doc
// comment of each field is the user's documentation of its key.
type settings struct {
	// provider: "purge" (an HTTP PURGE per URL, for Varnish or nginx's
	// proxy_cache_purge), "cloudflare" or "fastly". Required.
	provider string
	// base: the URL a file's relative path is appended to (escaped), or a
	// list of them: each path is purged under every base (two domains,
	// http and https). A base without a trailing "/" gets one.
	bases []*url.URL
	// map: rules tried before base, first match wins, like sersync's
	// regexurl: { { match = "^static/(.*)$", url = "https://cdn.example.com/$1" } }.
	// match is a Go regular expression on the path relative to the
	// source; url may use $1, ${name} (each capture is URL-escaped). A rule
	// with url = "" leaves the paths it matches alone. A path no rule
	// matches uses base, or is not purged when base is unset.
	rules []rule
	// index: file names that a web server serves for their directory; a
	// change to one also purges the directory's URL (with its trailing
	// "/"). Default { "index.html" }, the index of nginx's and Apache's
	// stock configs; false or {} turns it off.
	index []string
	// full: what a full sync (a directory, or the whole tree, that may
	// have changed in any way) purges: "ignore" (default: nothing; a full
	// sync runs at every start and on each cron tick, and emptying the
	// whole CDN each time would send all traffic to the origin at once) or
	// "all" (cloudflare: purge_everything; fastly: purge_all on service;
	// purge: fullMethod on the directory's URL under each base). A
	// directory that is deleted or moved counts as a full sync of itself.
	full string

	// method (purge): the HTTP method. Default "PURGE".
	method string
	// fullMethod (purge): the method for full = "all", sent to the
	// directory's URL; the cache must treat it as "everything below"
	// (a Varnish VCL that bans by prefix, say). Default: method.
	fullMethod string
	// headers (purge): extra request headers, e.g. { Host = "www.example.com" }
	// when base names the cache's own address (Varnish keys its cache on
	// the Host header).
	headers map[string]string

	// zone (cloudflare): the zone ID. Required.
	zone string
	// batch (cloudflare): most URLs in one purge_cache request. Default 30,
	// Cloudflare's limit for purge by URL on Free, Pro and Business zones
	// (Enterprise: 500).
	batch int
	// service (fastly): the service ID, needed for full = "all" (purge_all).
	service string
	// softPurge (fastly): mark objects stale instead of removing them
	// (Fastly-Soft-Purge: 1). Default false. purge_all is never soft.
	softPurge bool

	// api (cloudflare, fastly): the API's base URL. Defaults
	// "https://api.cloudflare.com/client/v4" and "https://api.fastly.com".
	api string
	// tokenFile: a file holding the API token (cloudflare: sent as
	// Authorization: Bearer; fastly: Fastly-Key; purge: optional, sent as
	// Authorization: Bearer). Surrounding white space is dropped.
	// tokenEnv: the environment variable holding it instead. Default
	// CLOUDFLARE_API_TOKEN or FASTLY_API_TOKEN. Set at most one. The token
	// is read at Configure (the environment is not read under `luasync
	// check`) and never logged.
	token string
	// rate: most requests per second to the provider. Defaults: purge 200;
	// cloudflare 4 (its API allows 1200 requests per five minutes per
	// user); fastly 10.
	rate float64
	// burst: requests that may go at once before rate applies. Default:
	// rate, at least 1.
	burst int
	// attempts: tries per request within one batch on 429, 5xx or a
	// network error, waiting as Retry-After says (else 0.5s, 1s, ...).
	// Default 3. What still fails is retried later by luasync.
	attempts int
	// timeout: the limit for each request. Default 10 (seconds).
	timeout time.Duration
}

// rule is one entry of map.
type rule struct {
	match *regexp.Regexp
	url   string // a template; "" purges nothing
}

var providerKeys = map[string][]string{
	"purge":      {"method", "fullMethod", "headers"},
	"cloudflare": {"zone", "batch", "api"},
	"fastly":     {"service", "softPurge", "api"},
}

var defaultRate = map[string]float64{"purge": 200, "cloudflare": 4, "fastly": 10}

var defaultTokenEnv = map[string]string{"cloudflare": "CLOUDFLARE_API_TOKEN", "fastly": "FASTLY_API_TOKEN"}

var defaultAPI = map[string]string{"cloudflare": "https://api.cloudflare.com/client/v4", "fastly": "https://api.fastly.com"}

// parse reads cfg into settings; mistakes are recorded in cfg by key.
func parse(cfg *sdk.Config) *settings {
	s := &settings{}
	s.provider = cfg.Required("provider")
	if _, known := providerKeys[s.provider]; s.provider != "" && !known {
		cfg.Errorf("provider", "%q is not one of purge, cloudflare, fastly", s.provider)
		s.provider = ""
	}
	s.bases = parseBases(cfg)
	s.rules = parseRules(cfg)
	if !cfg.Has("base") && !cfg.Has("map") {
		cfg.Errorf("base", "set base (the URL paths are appended to) or map")
	}
	s.index = parseIndex(cfg)
	s.full = cfg.OneOf("full", "ignore", "ignore", "all")
	s.attempts = cfg.Int("attempts", 3, 1, 20)
	s.timeout = cfg.Duration("timeout", 10*time.Second)
	s.rate = positive(cfg, "rate", defaultRate[s.provider])
	s.burst = cfg.Int("burst", max(1, int(s.rate)), 1, 1_000_000)
	if s.provider == "" {
		// Mark the rest read: "unknown key" would only add noise.
		for _, keys := range providerKeys {
			for _, k := range keys {
				cfg.Has(k)
			}
		}
		cfg.Has("tokenFile")
		cfg.Has("tokenEnv")
		return s
	}
	s.parseProvider(cfg)
	s.token = readToken(cfg, defaultTokenEnv[s.provider], s.provider != "purge")
	return s
}

// parseProvider reads the keys of s.provider and rejects those of others.
func (s *settings) parseProvider(cfg *sdk.Config) {
	own := map[string]bool{}
	for _, k := range providerKeys[s.provider] {
		own[k] = true
	}
	for p, keys := range providerKeys {
		for _, k := range keys {
			if !own[k] && cfg.Has(k) {
				own[k] = true // report it once
				cfg.Errorf(k, "not used with provider = %q (only with %q)", s.provider, p)
			}
		}
	}
	switch s.provider {
	case "purge":
		s.method = methodName(cfg, "method", "PURGE")
		s.fullMethod = methodName(cfg, "fullMethod", s.method)
		s.headers = cfg.StringMap("headers")
		for k := range s.headers {
			if !validHeader(k) {
				cfg.Errorf("headers", "%q is not a header name", k)
			}
		}
	case "cloudflare":
		s.zone = cfg.Required("zone")
		if strings.ContainsAny(s.zone, "/?#% ") {
			cfg.Errorf("zone", "%q is not a zone ID (32 hex digits, on the zone's overview page)", s.zone)
		}
		s.batch = cfg.Int("batch", 30, 1, 500)
	case "fastly":
		s.service = cfg.String("service", "")
		if s.full == "all" && s.service == "" {
			cfg.Errorf("service", "required for full = \"all\" (purge_all works on a service)")
		}
		s.softPurge = cfg.Bool("softPurge", false)
	}
	if api, ok := defaultAPI[s.provider]; ok {
		s.api = strings.TrimRight(cfg.String("api", api), "/")
		if u, err := url.Parse(s.api); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			cfg.Errorf("api", "%q is not an http or https URL", s.api)
		}
	}
}

func parseBases(cfg *sdk.Config) []*url.URL {
	var out []*url.URL
	for i, b := range cfg.Strings("base") {
		key := fmt.Sprintf("base[%d]", i+1)
		u, err := url.Parse(b)
		switch {
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			cfg.Errorf(key, "%q is not an http or https URL", b)
		case u.RawQuery != "" || u.Fragment != "":
			cfg.Errorf(key, "%q has a query or fragment; a path is appended to it", b)
		default:
			if !strings.HasSuffix(u.Path, "/") {
				u.Path += "/"
				if u.RawPath != "" {
					u.RawPath += "/"
				}
			}
			out = append(out, u)
		}
	}
	return out
}

func parseIndex(cfg *sdk.Config) []string {
	if !cfg.Has("index") {
		return []string{"index.html"}
	}
	switch v := cfg.Values["index"].(type) {
	case bool:
		if v {
			cfg.Errorf("index", "want a list of file names, or false")
		}
		return nil
	case map[string]any:
		if len(v) == 0 { // an empty Lua table
			return nil
		}
	}
	names := cfg.Strings("index")
	for _, n := range names {
		if n == "" || strings.Contains(n, "/") {
			cfg.Errorf("index", "%q is not a file name", n)
		}
	}
	return names
}

// readToken reads the token from tokenFile or tokenEnv (default env).
// Under `luasync check` the environment is not read: check runs in the
// operator's shell, not the service's environment.
func readToken(cfg *sdk.Config, env string, required bool) string {
	file := cfg.String("tokenFile", "")
	if cfg.Has("tokenEnv") {
		required = true // asked for by name: it must be there
		env = cfg.String("tokenEnv", "")
		if file != "" {
			cfg.Errorf("tokenEnv", "set tokenFile or tokenEnv, not both")
			return ""
		}
	}
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			cfg.Errorf("tokenFile", "read token: %v", err)
			return ""
		}
		t := strings.TrimSpace(string(b))
		if t == "" || strings.ContainsAny(t, "\r\n") {
			cfg.Errorf("tokenFile", "%s must hold the token alone on one line", file)
			return ""
		}
		return t
	}
	if env == "" || cfg.Check {
		return ""
	}
	t := strings.TrimSpace(os.Getenv(env))
	if t == "" && required {
		cfg.Errorf("tokenEnv", "environment variable %s is empty or unset (set it, or set tokenFile)", env)
	}
	return t
}

// methodName reads an HTTP method name, or def.
func methodName(cfg *sdk.Config, key, def string) string {
	s := cfg.String(key, def)
	if !validHeader(s) {
		cfg.Errorf(key, "%q is not an HTTP method", s)
		return def
	}
	return s
}

// validHeader reports whether s is an RFC 9110 token, as method and
// header names must be.
func validHeader(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// positive reads a positive number (fractions allowed, unlike Config.Int).
func positive(cfg *sdk.Config, key string, def float64) float64 {
	if !cfg.Has(key) {
		return def
	}
	f, ok := cfg.Values[key].(float64)
	if !ok || f <= 0 {
		cfg.Errorf(key, "want a positive number of requests per second")
		return def
	}
	return f
}

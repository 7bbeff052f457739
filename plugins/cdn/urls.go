package cdn

import (
	"fmt"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/luasync/luasync/plugins/sdk"
)

// target is one thing to purge. Targets are compared whole, so a URL that
// several events produce is purged once.
type target struct {
	kind kind
	url  string // "" for everything
}

type kind int

const (
	purgeURL   kind = iota // one URL
	purgeBelow             // a directory's URL and everything below it (purge provider, fullMethod)
	purgeAll               // the whole zone or service
)

// targets is what ev needs purged; nil for nothing. An error is a path
// that maps to no valid URL.
func (s *settings) targets(ev sdk.Event) ([]target, error) {
	var paths []string
	switch ev.Op {
	case sdk.Create, sdk.Modify, sdk.Delete:
		paths = []string{ev.Path}
	case sdk.Move:
		paths = []string{ev.From, ev.Path}
	case sdk.Full:
		return s.below(ev.Path)
	default: // Attrib: cached bytes are unchanged
		return nil, nil
	}
	var out []target
	for _, p := range paths {
		var ts []target
		var err error
		if ev.IsDir {
			ts, err = s.directory(p, ev.Op == sdk.Delete || ev.Op == sdk.Move)
		} else {
			ts, err = s.file(p)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, ts...)
	}
	return out, nil
}

// file is a file's URLs, and its directory's when it is an index file.
func (s *settings) file(rel string) ([]target, error) {
	out, err := s.urlTargets(rel)
	if err != nil || !slices.Contains(s.index, path.Base(rel)) {
		return out, err
	}
	dir, err := s.urlTargets(dirRel(parent(rel)))
	return append(out, dir...), err
}

// directory is a directory's own URL ("dir/") and, when it went away
// (deleted or moved), whatever full says for everything below it.
func (s *settings) directory(rel string, gone bool) ([]target, error) {
	out, err := s.urlTargets(dirRel(rel))
	if err != nil || !gone {
		return out, err
	}
	below, err := s.below(rel)
	return append(out, below...), err
}

// below is what full says for the tree under directory rel ("" = all).
func (s *settings) below(rel string) ([]target, error) {
	if s.full != "all" {
		return nil, nil
	}
	if s.provider != "purge" {
		return []target{{kind: purgeAll}}, nil
	}
	urls, err := s.urls(dirRel(rel))
	out := make([]target, len(urls))
	for i, u := range urls {
		out[i] = target{kind: purgeBelow, url: u}
	}
	return out, err
}

func (s *settings) urlTargets(rel string) ([]target, error) {
	urls, err := s.urls(rel)
	out := make([]target, len(urls))
	for i, u := range urls {
		out[i] = target{kind: purgeURL, url: u}
	}
	return out, err
}

// urls maps a relative path ("a/b.txt"; "a/" for a directory, "" for the
// source itself) to URLs: the first map rule that matches, else every
// base. It is nil when the path is not to be purged.
func (s *settings) urls(rel string) ([]string, error) {
	for _, r := range s.rules {
		u, ok := expand(r.match, r.url, rel)
		if !ok {
			continue
		}
		if u == "" {
			return nil, nil
		}
		if p, err := url.Parse(u); err != nil || p.Host == "" || (p.Scheme != "http" && p.Scheme != "https") {
			return nil, fmt.Errorf("map %q to a url: %q is not an http or https URL", r.match.String(), u)
		}
		return []string{u}, nil
	}
	out := make([]string, len(s.bases))
	for i, b := range s.bases {
		out[i] = b.String() + escapePath(rel)
	}
	return out, nil
}

// expand fills tmpl from re's match in rel, with every capture escaped
// as a URL path; ok is false when re does not match. It hands
// regexp.Expand an escaped copy of the captures, so $1, ${name} and $$
// mean what they mean in Go's regexp.
func expand(re *regexp.Regexp, tmpl, rel string) (string, bool) {
	m := re.FindStringSubmatchIndex(rel)
	if m == nil {
		return "", false
	}
	var src strings.Builder
	idx := make([]int, len(m))
	for i := 0; i < len(m); i += 2 {
		if m[i] < 0 {
			idx[i], idx[i+1] = -1, -1
			continue
		}
		idx[i] = src.Len()
		src.WriteString(escapePath(rel[m[i]:m[i+1]]))
		idx[i+1] = src.Len()
	}
	return string(re.ExpandString(nil, tmpl, src.String(), idx)), true
}

// escapePath escapes each "/"-separated segment of a relative path. A
// file name may hold any byte but NUL and "/": all but RFC 3986's pchar
// (letters, digits, -._~!$&'()*+,;=:@) becomes %XX, so that "%", "?",
// "#", spaces and bytes that are not UTF-8 survive, and so that the URL
// is spelled as browsers and curl send it (a cache keys on the spelling:
// "a,b" and "a%2Cb" are two objects to Varnish).
func escapePath(rel string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(rel); i++ {
		c := rel[i]
		if c == '/' || pchar(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func pchar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		strings.IndexByte("-._~!$&'()*+,;=:@", c) >= 0
}

// dirRel is a directory's path as a URL path relative to a base: with a
// trailing "/", and "" for the source itself.
func dirRel(rel string) string {
	if rel == "" {
		return ""
	}
	return rel + "/"
}

func parent(rel string) string {
	if i := strings.LastIndexByte(rel, '/'); i >= 0 {
		return rel[:i]
	}
	return ""
}

// parseRules reads map: a list of { match = REGEX, url = TEMPLATE }.
func parseRules(cfg *sdk.Config) []rule {
	if !cfg.Has("map") {
		return nil
	}
	list, ok := sdk.AsList(cfg.Values["map"])
	if !ok {
		cfg.Errorf("map", "want a list of { match = REGEX, url = TEMPLATE } tables")
		return nil
	}
	var out []rule
	for i, e := range list {
		key := fmt.Sprintf("map[%d]", i+1)
		t, ok := e.(map[string]any)
		if !ok {
			cfg.Errorf(key, "want a table { match = REGEX, url = TEMPLATE }")
			continue
		}
		r, ok := parseRule(cfg, key, t)
		if ok {
			out = append(out, r)
		}
	}
	return out
}

func parseRule(cfg *sdk.Config, key string, t map[string]any) (rule, bool) {
	ok := true
	for k := range t {
		if k != "match" && k != "url" {
			cfg.Errorf(key+"."+k, "unknown key (want match and url)")
			ok = false
		}
	}
	match, isString := t["match"].(string)
	if !isString || match == "" {
		cfg.Errorf(key+".match", "required: a regular expression on the relative path")
		return rule{}, false
	}
	re, err := regexp.Compile(match)
	if err != nil {
		cfg.Errorf(key+".match", "bad regular expression: %v", err)
		return rule{}, false
	}
	tmpl, isString := t["url"].(string)
	if !isString {
		cfg.Errorf(key+".url", "required: a URL template such as \"https://cdn.example.com/$1\", or \"\" to skip")
		return rule{}, false
	}
	if tmpl != "" && !strings.HasPrefix(tmpl, "http://") && !strings.HasPrefix(tmpl, "https://") {
		cfg.Errorf(key+".url", "%q must start with http:// or https://", tmpl)
		ok = false
	}
	return rule{match: re, url: tmpl}, ok
}

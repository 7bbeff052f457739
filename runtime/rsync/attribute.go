package rsync

import (
	"bytes"
	"strings"

	"github.com/luasync/luasync/runtime/event"
)

// benignPrefixes start stderr lines that report no failure of a listed
// path: vanished files (by state, the watcher reports what replaced
// them), warnings, rsync's closing summary, and the note that follows a
// failed directory (which its own line names).
var benignPrefixes = []string{
	"file has vanished: ",
	"WARNING: ",
	"rsync warning: ",
	"rsync error: some files/attrs were not transferred",
	"rsync error: some files vanished",
	"*** Skipping any contents from this failed directory ***",
}

// attribute maps the error lines of a run's stderr to the events whose
// listed paths they name. complete is false when some error line names
// no listed path (or names none at all, like "IO error encountered --
// skipping file deletion"): then no event can be declared done.
func (s *Sink) attribute(p *plan, stderr []byte) (failed map[int]bool, complete bool) {
	failed = map[int]bool{}
	for line := range bytes.Lines(stderr) {
		l := strings.TrimRight(string(line), "\r\n")
		if l == "" || hasAnyPrefix(l, benignPrefixes) {
			continue
		}
		owners := s.lineOwners(p, l)
		if len(owners) == 0 {
			return nil, false
		}
		for _, idx := range owners {
			failed[idx] = true
		}
	}
	return failed, true
}

// lineOwners returns the events owning the paths an error line names.
// rsync quotes most names ("rsync: [receiver] mkstemp "/dst/.f.Ab12Cd"
// failed: ..."), a name may itself hold quotes, and a few messages put the
// name unquoted after a colon ("cannot delete non-empty directory: a/b").
// Names come relative to the transfer root, under the source or target
// directory, or under a daemon module's root; rsync escapes control
// bytes and high bytes as \#ooo.
func (s *Sink) lineOwners(p *plan, line string) []int {
	var owners []int
	for _, c := range candidates(line) {
		for _, rel := range s.relForms(unescape(c)) {
			owners = append(owners, p.resolve(rel)...)
		}
		if len(owners) > 0 {
			return owners
		}
	}
	return nil
}

// candidates are the substrings of an error line that may be a name:
// between any two of its first 16 quotes (a name may hold quotes, and a
// line may hold two names), and what follows the first and the last ": ".
func candidates(line string) []string {
	var quotes []int
	for i := 0; i < len(line) && len(quotes) < 16; i++ {
		if line[i] == '"' {
			quotes = append(quotes, i)
		}
	}
	var out []string
	for a := range quotes {
		for _, b := range quotes[a+1:] {
			out = append(out, line[quotes[a]+1:b])
		}
	}
	if i := strings.Index(line, ": "); i >= 0 {
		out = append(out, line[i+2:])
	}
	if i := strings.LastIndex(line, ": "); i >= 0 {
		out = append(out, line[i+2:])
	}
	return out
}

// relForms turns a name from stderr into the relative paths it may stand
// for: below the source, the local target, the daemon module path or the
// ssh target directory; as given; and, as a last resort, each of its
// trailing path suffixes (an ssh target relative to an unknown home).
func (s *Sink) relForms(name string) []string {
	t := s.opts.Target
	prefixes := []string{s.source}
	switch t.Kind {
	case Local:
		prefixes = append(prefixes, strings.TrimSuffix(t.Path, "/")+"/")
	case Daemon:
		if t.Path != "" {
			prefixes = append(prefixes, "/"+t.Path+"/")
		}
		prefixes = append(prefixes, "/")
	case SSH:
		if strings.HasPrefix(t.Path, "/") {
			prefixes = append(prefixes, strings.TrimSuffix(t.Path, "/")+"/")
		}
	}
	var out []string
	for _, pre := range prefixes {
		if rest, ok := strings.CutPrefix(name, pre); ok {
			out = append(out, rest)
		}
	}
	out = append(out, name)
	for i := 0; i < len(name); i++ {
		if name[i] == '/' && i+1 < len(name) {
			out = append(out, name[i+1:])
		}
	}
	return out
}

// resolve finds the events that own rel: the listed path itself (or the
// real name behind an rsync temporary file ".NAME.XXXXXX"), else its
// nearest listed ancestor (rel came in with a new directory).
func (p *plan) resolve(rel string) []int {
	rel = strings.TrimSuffix(rel, "/")
	if rel == "" {
		return nil
	}
	names := []string{rel}
	if real, ok := untemp(rel); ok {
		names = append(names, real)
	}
	for _, n := range names {
		for d := n; d != ""; d = event.Parent(d) {
			if idx, ok := p.owner[d]; ok {
				return []int{idx}
			}
		}
	}
	return nil
}

// untemp maps rsync's temporary name for a file (".NAME.XXXXXX" in the
// same directory) back to the file.
func untemp(rel string) (string, bool) {
	dir, base := event.Parent(rel), rel[strings.LastIndexByte(rel, '/')+1:]
	if len(base) < 9 || base[0] != '.' || base[len(base)-7] != '.' {
		return "", false
	}
	return event.Join(dir, base[1:len(base)-7]), true
}

// unescape undoes rsync's \#ooo escapes (a backslash followed by '#' in a
// real name is itself escaped, as \#134#, so the form is unambiguous).
func unescape(s string) string {
	if !strings.Contains(s, `\#`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 < len(s) && s[i+1] == '#' && isOctal(s[i+2]) && isOctal(s[i+3]) && isOctal(s[i+4]) {
			b.WriteByte((s[i+2]-'0')<<6 | (s[i+3]-'0')<<3 | (s[i+4] - '0'))
			i += 4
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

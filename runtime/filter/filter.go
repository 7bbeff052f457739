package filter

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"strings"
)

// Options says what a sync leaves out. The zero value drops DefaultJunk and
// nothing else.
type Options struct {
	// Junk holds base-name patterns of editor temporaries; nil means
	// DefaultJunk, a non-nil empty slice turns junk filtering off.
	Junk []string
	// Exclude holds rsync patterns, as lsyncd's exclude = {...} passes them
	// to rsync. An entry may start with "- " (exclude, the default) or "+ "
	// (include), as rsync's --exclude accepts.
	Exclude []string
	// ExcludeFrom names a file of Exclude entries, one per line. Blank lines
	// and lines starting with '#' or ';' are ignored; leading and trailing
	// blanks are trimmed, as lsyncd does.
	ExcludeFrom string
	// Rules is lsyncd 2.2.3's filter = { "+ pattern", "- pattern" } list.
	// It is checked after the excludes; the first matching rule wins and a
	// path no rule matches is kept.
	Rules []string
	// RulesFrom names a file of Rules, one a line, read as lsyncd 2.2.3
	// reads filterFrom: blank lines and lines starting with '#' are
	// skipped, blanks around the sign are optional ("-*.o" is "- *.o"),
	// and trailing blanks are trimmed. Its rules follow Rules.
	RulesFrom string
	// Regex holds sersync-style excludes: Go regular expressions matched
	// against the relative path (no leading slash; see Skip).
	Regex []string
}

// Filter decides which paths of one sync are dropped. It is immutable after
// New and safe for concurrent use.
type Filter struct {
	junk     []*rule
	regex    []*regexp.Regexp
	rules    []*rule // excludes, then Rules; first match wins
	patterns []string
	kept     keptDirs
}

// New compiles opts. An error names the bad pattern, and for ExcludeFrom the
// file and line it came from.
func New(opts Options) (*Filter, error) {
	f := &Filter{}
	if err := f.addJunk(opts.Junk); err != nil {
		return nil, err
	}
	for _, p := range opts.Exclude {
		if err := f.addExclude(p); err != nil {
			return nil, fmt.Errorf("exclude pattern %q: %w", p, err)
		}
	}
	if opts.ExcludeFrom != "" {
		if err := f.addExcludeFile(opts.ExcludeFrom); err != nil {
			return nil, err
		}
	}
	for _, text := range opts.Rules {
		if err := f.addRule(text); err != nil {
			return nil, fmt.Errorf("filter rule %q: %w", text, err)
		}
	}
	if opts.RulesFrom != "" {
		if err := f.addRuleFile(opts.RulesFrom); err != nil {
			return nil, err
		}
	}
	for _, expr := range opts.Regex {
		re, err := regexp.Compile(expr)
		if err != nil {
			return nil, fmt.Errorf("exclude regex %q: %w", expr, err)
		}
		f.regex = append(f.regex, re)
	}
	return f, nil
}

func (f *Filter) addJunk(patterns []string) error {
	if patterns == nil {
		patterns = DefaultJunk
	}
	for _, p := range patterns {
		r, err := compileRule(p, false)
		if err == nil && r.mode != byName {
			err = errors.New("junk patterns match a base name, so they may not hold '/' or '**'")
		}
		if err != nil {
			return fmt.Errorf("junk pattern %q: %w", p, err)
		}
		f.junk = append(f.junk, r)
		f.patterns = append(f.patterns, "- "+p)
	}
	return nil
}

// addExclude adds an exclude-list entry, honouring rsync's optional "+ " or
// "- " prefix.
func (f *Filter) addExclude(entry string) error {
	if entry == "!" {
		return errors.New(`rsync's list-clearing "!" is not supported`)
	}
	if strings.HasPrefix(entry, "+ ") || strings.HasPrefix(entry, "- ") {
		return f.addRule(entry)
	}
	return f.add(entry, false)
}

// addRule adds a "+ pattern" or "- pattern" rule.
func (f *Filter) addRule(text string) error {
	switch {
	case strings.HasPrefix(text, "+ "):
		return f.add(text[2:], true)
	case strings.HasPrefix(text, "- "):
		return f.add(text[2:], false)
	}
	return errors.New(`want "+ PATTERN" to include or "- PATTERN" to exclude`)
}

func (f *Filter) add(pattern string, include bool) error {
	r, err := compileRule(pattern, include)
	if err != nil {
		return err
	}
	f.rules = append(f.rules, r)
	sign := "- "
	if include {
		sign = "+ "
	}
	f.patterns = append(f.patterns, sign+pattern)
	return nil
}

func (f *Filter) addExcludeFile(path string) error {
	lines, err := readLines(path, "exclude")
	for n, line := range lines {
		entry := strings.TrimSpace(line)
		if entry == "" || entry[0] == '#' || entry[0] == ';' {
			continue
		}
		if err := f.addExclude(entry); err != nil {
			return fmt.Errorf("%s:%d: exclude pattern %q: %w", path, n+1, entry, err)
		}
	}
	return err
}

// addRuleFile adds the rules of a filterFrom file (see Options.RulesFrom).
func (f *Filter) addRuleFile(path string) error {
	lines, err := readLines(path, "filter")
	for n, line := range lines {
		text := strings.TrimSpace(line)
		if text == "" || text[0] == '#' {
			continue
		}
		if text[0] == '+' || text[0] == '-' {
			text = text[:1] + " " + strings.TrimLeft(text[1:], " \t")
		}
		if err := f.addRule(text); err != nil {
			return fmt.Errorf("%s:%d: filter rule %q: %w", path, n+1, strings.TrimSpace(line), err)
		}
	}
	return err
}

// readLines reads a file of patterns (what names the kind, for the
// error) and splits it into lines.
func readLines(path, what string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("read %s file %s: %w", what, path, err)
	}
	return strings.Split(string(data), "\n"), nil
}

// Patterns returns the compiled rule list in rsync filter syntax ("- pat" or
// "+ pat"), in the order Skip applies it: junk, excludes, then Rules. It is
// what `luasync check` prints, and a list rsync itself accepts. Regex
// excludes have no rsync form and are not included.
func (f *Filter) Patterns() []string {
	return append([]string(nil), f.patterns...)
}

// PathDependent reports whether Skip can decide differently for two
// directories of the same name in different places: a pattern anchored at
// the root or spanning components, or a regex. When it cannot, a renamed
// directory keeps the same verdict for everything below it.
func (f *Filter) PathDependent() bool {
	if len(f.regex) > 0 {
		return true
	}
	for _, list := range [][]*rule{f.junk, f.rules} {
		for _, r := range list {
			if r.mode != byName {
				return true
			}
		}
	}
	return false
}

// Skip reports whether the path rel (relative to the sync's source,
// slash-separated, no leading or trailing slash, as in event.Event) is to be
// dropped, and for a directory, never watched. The source root "" is never
// skipped. Because an excluded directory takes everything under it along,
// rel is also skipped when any of its ancestor directories is.
func (f *Filter) Skip(rel string, isDir bool) bool {
	if rel == "" {
		return false
	}
	if i := strings.LastIndexByte(rel, '/'); i > 0 && f.skipDir(rel[:i]) {
		return true
	}
	return f.skipOne(rel, isDir)
}

// skipDir reports whether the directory dir or any of its ancestors is
// skipped. Events arrive in bursts from the same few directories, so
// directories found kept are remembered.
func (f *Filter) skipDir(dir string) bool {
	if f.kept.has(dir) {
		return false
	}
	for i := 0; i < len(dir); i++ {
		if dir[i] == '/' && f.skipOne(dir[:i], true) {
			return true
		}
	}
	if f.skipOne(dir, true) {
		return true
	}
	f.kept.add(dir)
	return false
}

// skipOne applies every list to one path, ignoring its ancestors.
func (f *Filter) skipOne(path string, isDir bool) bool {
	name := path[strings.LastIndexByte(path, '/')+1:]
	for _, r := range f.junk {
		if r.matches(path, name, isDir) {
			return true
		}
	}
	for _, re := range f.regex {
		if re.MatchString(path) {
			return true
		}
	}
	for _, r := range f.rules {
		if r.matches(path, name, isDir) {
			return !r.include
		}
	}
	return false
}

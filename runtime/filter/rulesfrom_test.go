package filter

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestRulesFrom: a filterFrom file as lsyncd 2.2.3 reads it: comments and
// blank lines skipped, the blank after the sign optional, its rules after
// the filter list's.
func TestRulesFrom(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rules list")
	writeFile(t, path, "# what to mirror\n\n  + /src/***\n-*.o\n\t-   /tmp/  \r\n+\t/docs/\n  # indented comment\n- *\n")
	f := mustNew(t, Options{Junk: []string{}, Rules: []string{"- *.secret"}, RulesFrom: path})
	want := []string{"- *.secret", "+ /src/***", "- *.o", "- /tmp/", "+ /docs/", "- *"}
	if got := f.Patterns(); !slices.Equal(got, want) {
		t.Errorf("Patterns() = %q, want %q", got, want)
	}
	for _, tt := range []struct {
		path  string
		isDir bool
		want  bool
	}{
		{"src/main.c", false, false},
		{"src/key.secret", false, true}, // filter = { ... } comes first
		{"docs", true, false},
		{"tmp", true, true},
		{"notes.txt", false, true},
	} {
		if got := f.Skip(tt.path, tt.isDir); got != tt.want {
			t.Errorf("Skip(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

func TestRulesFromErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "rules")
	writeFile(t, bad, "+ /src/***\n# fine\n*.o\n")
	for _, tt := range []struct {
		opts Options
		want string
	}{
		{Options{RulesFrom: bad}, bad + `:3: filter rule "*.o": want "+ PATTERN" to include or "- PATTERN" to exclude`},
		{Options{RulesFrom: filepath.Join(dir, "nope")}, "read filter file " + dir + "/nope: no such file or directory"},
	} {
		_, err := New(tt.opts)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New(%+v) = %v, want an error containing %q", tt.opts, err, tt.want)
		}
	}
}

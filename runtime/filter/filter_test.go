package filter

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// TestPatternSpec is the pattern language, one exclude pattern at a time,
// with junk filtering off.
func TestPatternSpec(t *testing.T) {
	tests := []struct {
		pattern string
		path    string
		isDir   bool
		want    bool // true = skipped
	}{
		// No '/': the final component, at any depth.
		{"*.log", "a.log", false, true},
		{"*.log", "var/app/a.log", false, true},
		{"*.log", "a.log.1", false, false},
		{"*.log", "logs.d/x", false, false},
		{"cache", "cache", true, true},
		{"cache", "cache", false, true},
		{"cache", "www/cache", true, true},
		{"cache", "www/cache/deep/file", false, true}, // via its ancestor
		{"cache", "www/cachex", true, false},
		{"?.c", "a.c", false, true},
		{"?.c", "ab.c", false, false},
		{"?.c", "é.c", false, false}, // '?' is one byte, as in rsync
		{"[ab].txt", "b.txt", false, true},
		{"[ab].txt", "c.txt", false, false},
		{"[!ab].txt", "c.txt", false, true},
		{"[^ab].txt", "a.txt", false, false},
		{"[a-c]x", "bx", false, true},
		{"[[:digit:]]*", "9lives", false, true},
		{"[[:digit:]]*", "lives", false, false},
		{"[]]", "]", false, true},
		// A trailing '/' matches directories only.
		{"tmp/", "tmp", true, true},
		{"tmp/", "tmp", false, false},
		{"tmp/", "a/tmp/f", false, true},
		{"tmp/", "a/tmp", false, false},
		// A leading '/' anchors at the sync's root.
		{"/build", "build", true, true},
		{"/build", "src/build", true, false},
		{"/build", "build/out.o", false, true},
		{"/build/", "build", false, false},
		{"/a/*.o", "a/x.o", false, true},
		{"/a/*.o", "a/b/x.o", false, false},
		{"/*.bak", "x.bak", false, true},
		{"/*.bak", "d/x.bak", false, false},
		// A '/' inside: the end of the path, on a component boundary.
		{"logs/*.gz", "logs/a.gz", false, true},
		{"logs/*.gz", "srv/logs/a.gz", false, true},
		{"logs/*.gz", "srv/oldlogs/a.gz", false, false},
		{"logs/*.gz", "logs/x/a.gz", false, false},
		{"a/b", "x/a/b", false, true},
		{"a/b", "xa/b", false, false},
		// '*' stays within a component, '**' crosses them.
		{"/www/*", "www/index.html", false, true},
		{"/www/*", "www/sub/index.html", false, true}, // ancestor www/sub matched
		{"/www/*.html", "www/sub/index.html", false, false},
		{"/www/**.html", "www/sub/index.html", false, true},
		{"data/**/raw", "data/x/y/raw", true, true},
		{"data/**/raw", "data/raw", true, false}, // rsync: "/**/" needs a dir
		{"**/node_modules", "node_modules", true, true},
		{"**/node_modules", "a/b/node_modules", true, true},
		{"**.min.js", "js/x/app.min.js", false, true},
		{"/**/.ssh", ".ssh", true, false},
		{"/**/.ssh", "home/u/.ssh", true, true},
		// "dir/***" is the directory and everything in it.
		{"cache/***", "cache", true, true},
		{"cache/***", "cache", false, false},
		{"cache/***", "cache/x", false, true},
		// Backslash escapes a wildcard only in a wildcard pattern.
		{`\*.txt`, "*.txt", false, true},
		{`\*.txt`, "a.txt", false, false},
		{`a\b`, `a\b`, false, true},
		// Names are bytes: spaces, newlines, quotes, dashes, non-UTF-8.
		{"* *", "with space", false, true},
		{"-rf", "-rf", false, true},
		{"*\n*", "new\nline", false, true},
		{"$(*)", "$(rm -rf)", false, true},
		{"\xff*", "\xffbad", false, true},
		{"\"q\"", "d/\"q\"", false, true},
		// Explicit "- " and "+ " prefixes, as rsync's --exclude takes.
		{"- *.o", "x.o", false, true},
		{"+ *.o", "x.o", false, false},
	}
	for _, tt := range tests {
		f, err := New(Options{Junk: []string{}, Exclude: []string{tt.pattern}})
		if err != nil {
			t.Fatalf("New(%q): %v", tt.pattern, err)
		}
		if got := f.Skip(tt.path, tt.isDir); got != tt.want {
			t.Errorf("pattern %q: Skip(%q, dir=%v) = %v, want %v", tt.pattern, tt.path, tt.isDir, got, tt.want)
		}
	}
}

func TestRootIsNeverSkipped(t *testing.T) {
	f := mustNew(t, Options{Exclude: []string{"*", "/", "**"}})
	if f.Skip("", true) {
		t.Error("Skip(\"\") = true; the source root must always be kept")
	}
}

func TestDefaultJunk(t *testing.T) {
	f := mustNew(t, Options{})
	for _, p := range []string{
		".x.swp", "d/.x.swo", ".x.swx", "4913", "d/4913", "notes.txt~", ".#notes.txt",
		"#notes.txt#", ".~lock.report.odt#", "f.kate-swp", ".goutputstream-ABC123",
	} {
		if !f.Skip(p, false) {
			t.Errorf("Skip(%q) = false, want junk", p)
		}
	}
	for _, p := range []string{
		".htaccess", ".env", ".well-known", "x.swp", "a.tmp", "backup.bak", "49130", "~user", ".gitignore",
	} {
		if f.Skip(p, false) {
			t.Errorf("Skip(%q) = true, want kept", p)
		}
	}
}

func TestJunkOverride(t *testing.T) {
	off := mustNew(t, Options{Junk: []string{}})
	if off.Skip(".x.swp", false) {
		t.Error("empty Junk still drops .x.swp")
	}
	own := mustNew(t, Options{Junk: []string{"*.part", "scratch/"}})
	for _, tt := range []struct {
		path  string
		isDir bool
		want  bool
	}{
		{"dl/file.part", false, true},
		{".x.swp", false, false},
		{"scratch", true, true},
		{"scratch/x", false, true},
		{"scratch", false, false},
	} {
		if got := own.Skip(tt.path, tt.isDir); got != tt.want {
			t.Errorf("Skip(%q, %v) = %v, want %v", tt.path, tt.isDir, got, tt.want)
		}
	}
}

// TestRules: lsyncd 2.2.3's filter list, first match wins, after excludes.
func TestRules(t *testing.T) {
	f := mustNew(t, Options{
		Junk:    []string{},
		Exclude: []string{"*.secret"},
		Rules:   []string{"+ /src/***", "+ /docs/", "+ /docs/*.md", "- *"},
	})
	tests := []struct {
		path  string
		isDir bool
		want  bool
	}{
		{"src", true, false},
		{"src/main.go", false, false},
		{"src/deep/x.c", false, false},
		{"src/key.secret", false, true}, // the exclude comes first
		{"docs", true, false},
		{"docs/readme.md", false, false},
		{"docs/img.png", false, true},
		{"docs/sub", true, true},
		{"other.txt", false, true},
		{"bin", true, true},
		{"bin/tool", false, true},
	}
	for _, tt := range tests {
		if got := f.Skip(tt.path, tt.isDir); got != tt.want {
			t.Errorf("Skip(%q, %v) = %v, want %v", tt.path, tt.isDir, got, tt.want)
		}
	}
}

func TestNoRuleMatchesKeeps(t *testing.T) {
	f := mustNew(t, Options{Rules: []string{"- *.o"}})
	if f.Skip("main.c", false) {
		t.Error("a path no rule matches was skipped")
	}
}

func TestRegex(t *testing.T) {
	f := mustNew(t, Options{Junk: []string{}, Regex: []string{`^static/`, `\.php$`, `^tmp$`}})
	for _, tt := range []struct {
		path string
		want bool
	}{
		{"static/a.css", true},
		{"www/static/a.css", false},
		{"index.php", true},
		{"index.html", false},
		{"tmp/x/y", true}, // ancestor "tmp" matches
	} {
		if got := f.Skip(tt.path, false); got != tt.want {
			t.Errorf("Skip(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

func TestExcludeFrom(t *testing.T) {
	path := filepath.Join(t.TempDir(), "excludes list.txt")
	writeFile(t, path, "# comment\n\n  ; rsync comment\n*.o  \r\n- /build/\n+ keep.o\n\t cache\n")
	f := mustNew(t, Options{Junk: []string{}, Exclude: []string{"+ keep.o"}, ExcludeFrom: path})
	want := []string{"+ keep.o", "- *.o", "- /build/", "+ keep.o", "- cache"}
	if got := f.Patterns(); !slices.Equal(got, want) {
		t.Errorf("Patterns() = %q, want %q", got, want)
	}
	for _, tt := range []struct {
		path  string
		isDir bool
		want  bool
	}{
		{"x.o", false, true},
		{"keep.o", false, false},
		{"build", true, true},
		{"a/cache", true, true},
	} {
		if got := f.Skip(tt.path, tt.isDir); got != tt.want {
			t.Errorf("Skip(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

func TestPatternsOrder(t *testing.T) {
	f := mustNew(t, Options{Junk: []string{"*~"}, Exclude: []string{"a", "- b"}, Rules: []string{"+ c", "- d"}})
	want := []string{"- *~", "- a", "- b", "+ c", "- d"}
	if got := f.Patterns(); !slices.Equal(got, want) {
		t.Errorf("Patterns() = %q, want %q", got, want)
	}
}

func TestNewErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.txt")
	writeFile(t, bad, "ok\n# fine\n[oops\n")
	tests := []struct {
		name string
		opts Options
		want []string
	}{
		{"unterminated class", Options{Exclude: []string{"a[b"}}, []string{`exclude pattern "a[b"`, "unterminated ["}},
		{"unknown class", Options{Exclude: []string{"[[:nope:]]"}}, []string{"[:nope:]"}},
		{"bad range", Options{Exclude: []string{"[z-a]"}}, []string{"bad range"}},
		{"empty exclude", Options{Exclude: []string{""}}, []string{"empty pattern"}},
		{"clear list", Options{Exclude: []string{"!"}}, []string{`"!" is not supported`}},
		{"rule without sign", Options{Rules: []string{"*.o"}}, []string{`filter rule "*.o"`, `"+ PATTERN"`}},
		{"bad rule pattern", Options{Rules: []string{"- [x"}}, []string{`filter rule "- [x"`, "unterminated"}},
		{"junk with slash", Options{Junk: []string{"a/b"}}, []string{`junk pattern "a/b"`, "base name"}},
		{"junk with **", Options{Junk: []string{"**x"}}, []string{`junk pattern "**x"`}},
		{"bad regex", Options{Regex: []string{"a("}}, []string{`exclude regex "a("`}},
		{"missing file", Options{ExcludeFrom: filepath.Join(dir, "nope")}, []string{"read exclude file " + dir + "/nope: no such file or directory"}},
		{"bad line", Options{ExcludeFrom: bad}, []string{bad + `:3: exclude pattern "[oops"`, "unterminated"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.opts)
			if err == nil {
				t.Fatal("New succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// TestManyStars makes sure the matcher does not backtrack exponentially.
func TestManyStars(t *testing.T) {
	f := mustNew(t, Options{Junk: []string{}, Exclude: []string{"*a*a*a*a*a*a*a*a*a*b", "**a**a**a**a**a**a**a**b"}})
	long := strings.Repeat("a", 200)
	if f.Skip(long, false) || f.Skip(strings.Repeat("a/", 60)+"a", false) {
		t.Error("pathological pattern matched a path without 'b'")
	}
}

func mustNew(t testing.TB, opts Options) *Filter {
	t.Helper()
	f, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestKeptDirsCache checks that remembering kept directories never changes a
// verdict, including when the cache overflows and is emptied.
func TestKeptDirsCache(t *testing.T) {
	defer func(n int) { maxKeptDirs = n }(maxKeptDirs)
	maxKeptDirs = 2
	f := mustNew(t, Options{Exclude: []string{"/a/b/c/", "x*"}})
	tests := []struct {
		path string
		want bool
	}{
		{"a/b/file", false},
		{"a/b/c/file", true},
		{"a/b/file2", false},
		{"a/b/c/d/e", true},
		{"q/r/s/t", false},
		{"q/r/xs/t", true},
		{"a/b/c/file", true},
		{"q/r/s/u", false},
	}
	for round := 0; round < 3; round++ {
		for _, tt := range tests {
			if got := f.Skip(tt.path, false); got != tt.want {
				t.Errorf("round %d: Skip(%q) = %v, want %v", round, tt.path, got, tt.want)
			}
		}
	}
}

func TestSkipConcurrent(t *testing.T) {
	f := mustNew(t, Options{Exclude: []string{"/tmp/", "*.log"}})
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Go(func() {
			for i := 0; i < 2000; i++ {
				dir := fmt.Sprintf("d%d/e%d", g, i%50)
				if f.Skip(dir+"/f.txt", false) || !f.Skip(dir+"/f.log", false) || !f.Skip("tmp/"+dir, false) {
					t.Errorf("wrong verdict under %s", dir)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestPathDependent: only patterns that look past a name (anchored,
// multi-component, "**") and regexes make a verdict depend on the place.
func TestPathDependent(t *testing.T) {
	for _, c := range []struct {
		opts Options
		want bool
	}{
		{Options{Exclude: []string{"*.log", "cache/", ".git"}}, false},
		{Options{Exclude: []string{"/cache/"}}, true},
		{Options{Exclude: []string{"a/b"}}, true},
		{Options{Exclude: []string{"**/tmp"}}, true},
		{Options{Rules: []string{"+ *.php", "- *"}}, false},
		{Options{Regex: []string{"^x"}}, true},
	} {
		f, err := New(c.opts)
		if err != nil {
			t.Fatal(err)
		}
		if got := f.PathDependent(); got != c.want {
			t.Errorf("%+v: PathDependent() = %v, want %v", c.opts, got, c.want)
		}
	}
}

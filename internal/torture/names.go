package torture

import (
	"strconv"
	"strings"
)

// maxPath bounds a path relative to the source root, so that a 255-byte
// name or a deep chain never pushes a path past PATH_MAX (4096) wherever
// the source or a mirror lives.
const maxPath = 1024

// oddNames are stems of names that break naive scripts and tools: '@' is
// where a counter goes, so every name made from one is fresh. None matches
// a default junk pattern (a name ending in '~' or '#', say), since junk is
// not mirrored on purpose.
var oddNames = []string{
	"with space @", " leading space@", "trailing space@ ", "new\nline@", "ends in newline@\n", "tab\t@",
	`quote"double@`, "quote'single@", "-leading-dash@", "--@", "-rf @", "$(touch pwned@)", "`id@`",
	"semi;colon@", `back\slash@`, "star*@", "question?@", "[brackets@]", "{brace@}", "#hash@", "%percent@",
	"a:b@", "!bang@", "&amp@", "|pipe@", ">redirect@", "a=b@", "..dots@", ".hidden@",
	"\xff\xfe not utf-8 @", "caf\xe9 latin1 @", "ünïcödé ✓ @",
}

// freshName returns a name never used before by this writer: mostly
// prefix+counter, sometimes an odd name, rarely a 255-byte one.
func (w *writer) freshName(prefix string) string {
	w.names++
	n := strconv.Itoa(w.names)
	switch r := w.rng.IntN(100); {
	case r < 2:
		return longName(n)
	case r < 17:
		return strings.Replace(oddNames[w.rng.IntN(len(oddNames))], "@", n, 1)
	}
	return prefix + n
}

// longName is exactly 255 bytes (NAME_MAX), multi-byte characters included,
// so that a sink's temporary name for it must be shortened.
func longName(n string) string {
	b := []byte("long " + n + " ")
	for len(b)+len("ü") <= 200 {
		b = append(b, "ü"...)
	}
	for len(b) < 255 {
		b = append(b, 'x')
	}
	return string(b)
}

// fits reports whether a path of n bytes may be made.
func fits(n int) bool { return n <= maxPath }

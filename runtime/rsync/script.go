package rsync

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/luasync/luasync/runtime/event"
)

// moveFunc is the shell function behind every line of a move script:
//
//	m INDEX FROM TO PARENT ANCESTORS...
//
// It prints "ok INDEX" when FROM was renamed to TO, and nothing else
// counts as done. It refuses when an ancestor directory of either path
// is a symlink on the target (the target's state may lag the source's,
// and a rename through a symlink would act outside the target). It
// removes what TO holds when a rename cannot replace it: a directory, a
// symlink (mv would move into the directory it points to), or anything
// when FROM is a directory. Every expansion is quoted; paths arrive as
// single-quoted words and are never re-parsed.
const moveFunc = `m() {
	i=$1 f=$2 t=$3 p=$4
	shift 4
	for a do
		if [ -L "$a" ]; then return; fi
	done
	if [ ! -e "$f" ] && [ ! -L "$f" ]; then return; fi
	if [ -L "$t" ] || [ -d "$t" ] || { [ -e "$t" ] && [ -d "$f" ] && [ ! -L "$f" ]; }; then
		rm -rf -- "$t" || return
	fi
	mkdir -p -- "$p" && mv -f -- "$f" "$t" && echo "ok $i"
}
`

// moveScript is the /bin/sh script that applies a batch's moves on an ssh
// target, in order, from inside dir ("" is the login's home). A move it
// does not report as done is sent by rsync instead.
func moveScript(dir string, moves [][2]string) []byte {
	var b bytes.Buffer
	if dir != "" {
		b.WriteString("cd -- " + shQuote(dir) + " || exit 1\n")
	}
	b.WriteString(moveFunc)
	for k, mv := range moves {
		parent := event.Parent(mv[1])
		if parent == "" {
			parent = "."
		}
		b.WriteString("m " + strconv.Itoa(k))
		for _, w := range append([]string{mv[0], mv[1], parent}, ancestors(mv[0], mv[1])...) {
			b.WriteString(" " + shQuote(w))
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// shQuote makes s one single-quoted shell word. Inside single quotes every
// byte is literal, newlines and $(...) included; a quote in s closes the
// word, adds an escaped quote, and reopens it.
func shQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

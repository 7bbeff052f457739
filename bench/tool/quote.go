package tool

import (
	"strconv"
	"strings"
)

// LuaQuote renders s as a Lua string literal. Bytes outside printable ASCII
// become decimal escapes, so a path with newlines, quotes or bytes that are
// not UTF-8 reaches lsyncd or luasync byte for byte.
func LuaQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c >= 0x7f:
			// Three digits always: "\0" followed by a digit would
			// otherwise read as a different escape.
			b.WriteByte('\\')
			d := strconv.Itoa(int(c))
			b.WriteString(strings.Repeat("0", 3-len(d)) + d)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// ShQuote renders s as one POSIX shell word: single-quoted, with each single
// quote closed, escaped and reopened. No other byte is special inside single
// quotes, so this holds for any path.
func ShQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

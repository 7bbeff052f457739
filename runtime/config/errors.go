package config

import (
	"fmt"
	"strconv"
	"strings"
)

// Error is a mistake in a config file, reported with where it is:
//
//	/etc/luasync.lua:12: sync{} key "source": /srv/www does not exist
type Error struct {
	Pos   Pos
	Table string // "sync{}", "settings{}", or "" for the file as a whole
	Key   string // the offending key, "" when the table as a whole is wrong
	Msg   string
}

func (e *Error) Error() string {
	var b strings.Builder
	if s := e.Pos.String(); s != "" {
		b.WriteString(s)
		b.WriteString(": ")
	}
	if e.Table != "" {
		b.WriteString(e.Table)
		if e.Key == "" {
			b.WriteString(": ")
		} else {
			b.WriteByte(' ')
		}
	}
	if e.Key != "" {
		fmt.Fprintf(&b, "key %q: ", e.Key)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// String formats p as "FILE:LINE", "FILE" when the line is unknown, or "".
func (p Pos) String() string {
	if p.Line <= 0 {
		return p.File
	}
	return p.File + ":" + strconv.Itoa(p.Line)
}

// Suggest returns the choice closest to word, for a "did you mean" hint, or
// "" when none is close: a case-insensitive match, a choice the word is the
// start of, or one within an edit distance of about a third of the word.
func Suggest(word string, choices []string) string {
	lower := strings.ToLower(word)
	best, bestDist := "", len(word)/3+2
	for _, c := range choices {
		lc := strings.ToLower(c)
		if lc == lower || (len(word) >= 4 && strings.HasPrefix(lc, lower)) {
			return c
		}
		if d := editDistance(lower, lc); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// didYouMean formats Suggest's answer as a message suffix.
func didYouMean(word string, choices []string) string {
	if s := Suggest(word, choices); s != "" {
		return fmt.Sprintf(" (did you mean %q?)", s)
	}
	return ""
}

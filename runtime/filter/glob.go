package filter

import (
	"errors"
	"fmt"
	"strings"
)

// glob is one compiled rsync wildcard pattern. Matching works on bytes, as
// rsync's wildmatch does: '?' is one byte, so it does not match a two-byte
// UTF-8 letter. Keeping rsync's byte semantics means a live event and a later
// rsync full sync agree on what a pattern covers.
type glob struct {
	toks []token
}

type tokKind uint8

const (
	tokLit   tokKind = iota // literal bytes
	tokOne                  // '?': one byte other than '/'
	tokClass                // '[...]': one byte from a set, never '/'
	tokStar                 // '*': any run of bytes without '/'
	tokStar2                // '**': any run of bytes, '/' included
)

type token struct {
	kind tokKind
	lit  string
	set  *byteSet
}

// byteSet is a 256-bit set of bytes.
type byteSet [4]uint64

func (s *byteSet) add(c byte)      { s[c>>6] |= 1 << (c & 63) }
func (s *byteSet) has(c byte) bool { return s[c>>6]&(1<<(c&63)) != 0 }
func (s *byteSet) addRange(lo, hi byte) {
	for c := int(lo); c <= int(hi); c++ {
		s.add(byte(c))
	}
}

// isWild reports whether rsync treats p as a wildcard pattern. Only then does
// a backslash escape the next byte; in a plain pattern it is a literal byte.
func isWild(p string) bool { return strings.ContainsAny(p, "*?[") }

// compileGlob turns p into tokens. Consecutive stars collapse: one star stays
// inside a path segment, two or more cross segments.
func compileGlob(p string) (glob, error) {
	if !isWild(p) {
		return glob{toks: []token{{kind: tokLit, lit: p}}}, nil
	}
	var toks []token
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			toks = append(toks, token{kind: tokLit, lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '\\':
			if i+1 < len(p) {
				i++
			}
			lit.WriteByte(p[i])
		case '?':
			flush()
			toks = append(toks, token{kind: tokOne})
		case '*':
			flush()
			n := 1
			for i+1 < len(p) && p[i+1] == '*' {
				i++
				n++
			}
			kind := tokStar
			if n > 1 {
				kind = tokStar2
			}
			toks = append(toks, token{kind: kind})
		case '[':
			flush()
			set, next, err := parseClass(p, i+1)
			if err != nil {
				return glob{}, err
			}
			toks = append(toks, token{kind: tokClass, set: set})
			i = next
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return glob{toks: toks}, nil
}

var errUnterminatedClass = errors.New("unterminated [ character class")

// parseClass parses a bracket expression starting just after '['. It returns
// the set and the index of the closing ']'.
func parseClass(p string, i int) (*byteSet, int, error) {
	set := new(byteSet)
	negate := i < len(p) && (p[i] == '!' || p[i] == '^')
	if negate {
		i++
	}
	for first := true; ; first = false {
		if i >= len(p) {
			return nil, 0, errUnterminatedClass
		}
		c := p[i]
		if c == ']' && !first {
			break
		}
		if c == '[' && i+1 < len(p) && p[i+1] == ':' {
			end := strings.Index(p[i+2:], ":]")
			if end < 0 {
				return nil, 0, errUnterminatedClass
			}
			name := p[i+2 : i+2+end]
			if !addNamedClass(set, name) {
				return nil, 0, fmt.Errorf("unknown character class [:%s:]", name)
			}
			i += 2 + end + 2
			continue
		}
		lo, n := classByte(p, i)
		i += n
		if i+1 < len(p) && p[i] == '-' && p[i+1] != ']' {
			hi, m := classByte(p, i+1)
			if hi < lo {
				return nil, 0, fmt.Errorf("bad range %q-%q in character class", lo, hi)
			}
			set.addRange(lo, hi)
			i += 1 + m
			continue
		}
		set.add(lo)
	}
	if negate {
		for k := range set {
			set[k] = ^set[k]
		}
	}
	return set, i, nil
}

// classByte reads one possibly backslash-escaped byte of a class.
func classByte(p string, i int) (byte, int) {
	if p[i] == '\\' && i+1 < len(p) {
		return p[i+1], 2
	}
	return p[i], 1
}

func addNamedClass(set *byteSet, name string) bool {
	var in func(c byte) bool
	switch name {
	case "alnum":
		in = func(c byte) bool { return isAlpha(c) || isDigit(c) }
	case "alpha":
		in = isAlpha
	case "blank":
		in = func(c byte) bool { return c == ' ' || c == '\t' }
	case "cntrl":
		in = func(c byte) bool { return c < 0x20 || c == 0x7f }
	case "digit":
		in = isDigit
	case "graph":
		in = func(c byte) bool { return c > 0x20 && c < 0x7f }
	case "lower":
		in = func(c byte) bool { return c >= 'a' && c <= 'z' }
	case "print":
		in = func(c byte) bool { return c >= 0x20 && c < 0x7f }
	case "punct":
		in = func(c byte) bool { return c > 0x20 && c < 0x7f && !isAlpha(c) && !isDigit(c) }
	case "space":
		in = func(c byte) bool { return c == ' ' || (c >= '\t' && c <= '\r') }
	case "upper":
		in = func(c byte) bool { return c >= 'A' && c <= 'Z' }
	case "xdigit":
		in = func(c byte) bool { return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'f') }
	default:
		return false
	}
	for c := 0; c < 256; c++ {
		if in(byte(c)) {
			set.add(byte(c))
		}
	}
	return true
}

func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// match reports whether the whole of s matches g.
func (g glob) match(s string) bool { return matchToks(g.toks, s) == matched }

type result uint8

const (
	noMatch result = iota
	matched
	// abortAll: the text ran out, so no later start position of any
	// enclosing star can match either (rsync's ABORT_ALL).
	abortAll
	// abortToStar2: a single star hit a '/', so only an enclosing '**' can
	// still help (rsync's ABORT_TO_STARSTAR).
	abortToStar2
)

// matchToks is rsync's wildmatch over tokens. The two abort results keep
// patterns with several stars from backtracking exponentially.
func matchToks(toks []token, s string) result {
	for i := range toks {
		t := &toks[i]
		switch t.kind {
		case tokLit:
			if len(s) < len(t.lit) {
				return abortAll
			}
			if s[:len(t.lit)] != t.lit {
				return noMatch
			}
			s = s[len(t.lit):]
		case tokOne, tokClass:
			if s == "" {
				return abortAll
			}
			if s[0] == '/' || (t.kind == tokClass && !t.set.has(s[0])) {
				return noMatch
			}
			s = s[1:]
		default:
			return matchStar(t.kind == tokStar2, toks[i+1:], s)
		}
	}
	if s == "" {
		return matched
	}
	return noMatch
}

func matchStar(crossSlash bool, rest []token, s string) result {
	if len(rest) == 0 {
		if !crossSlash && strings.IndexByte(s, '/') >= 0 {
			return noMatch
		}
		return matched
	}
	for {
		if rest[0].kind == tokLit {
			// Jump to the next place the literal after the star starts;
			// no position before it can match.
			i := strings.Index(s, rest[0].lit)
			if i < 0 {
				return abortAll
			}
			if !crossSlash && strings.IndexByte(s[:i], '/') >= 0 {
				return abortToStar2
			}
			s = s[i:]
		}
		r := matchToks(rest, s)
		if r != noMatch {
			if !crossSlash || r != abortToStar2 {
				return r
			}
		} else if !crossSlash && s != "" && s[0] == '/' {
			return abortToStar2
		}
		if s == "" {
			return abortAll
		}
		s = s[1:]
	}
}

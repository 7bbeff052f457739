package luavm

import (
	"fmt"
	"strings"

	"github.com/yuin/gopher-lua/ast"
	"github.com/yuin/gopher-lua/parse"

	"github.com/luasync/luasync/runtime/config"
)

// syntaxError turns a parse error into a *config.Error at its line. The
// parser gives no line for an error at the end of the file (an unclosed
// brace, a missing end), and its "syntax error near '}'" does not say
// what was expected instead: the file is scanned again, token by token,
// keeping the brackets and blocks still open, to say both.
func syntaxError(pe *parse.Error, src string) *config.Error {
	file := pe.Pos.Source
	n := scanOpen(src, file, pe.Pos)
	if pe.Pos.Line == parse.EOF {
		return n.eofError(src)
	}
	msg := fmt.Sprintf("%s near '%s' (column %d)", pe.Message, pe.Token, pe.Pos.Column)
	if o, ok := n.top(); ok && n.found && closers[n.at] != "" && closers[n.at] != o.close {
		msg = fmt.Sprintf("'%s' expected (to close '%s' on line %d) near '%s'", o.close, o.text, o.line, pe.Token)
	}
	return &config.Error{Pos: config.Pos{File: file, Line: pe.Pos.Line}, Msg: msg}
}

// opener is a bracket or block keyword that a later token must close.
type opener struct {
	text  string // "{", "function", ...
	close string // what closes it
	line  int
}

var openers = map[int]opener{
	'{': {"{", "}", 0}, '(': {"(", ")", 0}, '[': {"[", "]", 0},
	parse.TFunction: {"function", "end", 0}, parse.TIf: {"if", "end", 0},
	parse.TDo: {"do", "end", 0}, parse.TRepeat: {"repeat", "until", 0},
}

var closers = map[int]string{'}': "}", ')': ")", ']': "]", parse.TEnd: "end", parse.TUntil: "until"}

// openScan is a scan of a file up to a syntax error.
type openScan struct {
	file     string
	stack    []opener // open at the stop, innermost last
	last     int      // line of the last token before the stop
	lastText string
	found    bool         // the token at the stop was found
	at       int          // its type
	failed   bool         // the scanner itself failed (an unterminated long string or comment)
	failEnd  ast.Position // where the token before that failure ended
}

// scanOpen scans src up to the token that ends at stop (the position a
// parse error names), the end of the file, or a scanner error.
func scanOpen(src, file string, stop ast.Position) openScan {
	n := openScan{file: file}
	sc := parse.NewScanner(strings.NewReader(src), file)
	lx := &parse.Lexer{}
	for {
		end := sc.Pos
		tok, err := sc.Scan(lx)
		switch {
		case err != nil:
			n.failed, n.failEnd = true, end
			return n
		case tok.Type == parse.EOF:
			return n
		case stop.Line > 0 && sc.Pos.Line == stop.Line && sc.Pos.Column == stop.Column:
			n.found, n.at = true, tok.Type
			return n
		}
		lx.PrevTokenType = tok.Type
		n.last, n.lastText = tok.Pos.Line, tok.Str
		if o, ok := openers[tok.Type]; ok {
			o.line = tok.Pos.Line
			n.stack = append(n.stack, o)
		} else if o, ok := n.top(); ok && closers[tok.Type] == o.close {
			n.stack = n.stack[:len(n.stack)-1]
		}
	}
}

// top is the innermost bracket or block still open.
func (n openScan) top() (opener, bool) {
	if len(n.stack) == 0 {
		return opener{}, false
	}
	return n.stack[len(n.stack)-1], true
}

// eofError explains a syntax error at the end of the file: what is still
// open at the end (the innermost bracket or block) is what the parser was
// waiting to see closed; an unterminated long string or comment is
// reported where it starts; otherwise the file ended in the middle of a
// statement, reported on the line of its last token.
func (n openScan) eofError(src string) *config.Error {
	if n.failed {
		line, open := longStart(src, n.failEnd.Line, n.failEnd.Column)
		what := "long string"
		if strings.HasPrefix(open, "--") {
			what, open = "long comment", open[2:]
		}
		closing := strings.NewReplacer("[", "]").Replace(open)
		return &config.Error{Pos: config.Pos{File: n.file, Line: line},
			Msg: fmt.Sprintf("the %s opened with '%s' on this line is never closed ('%s' is missing)", what, open, closing)}
	}
	msg := fmt.Sprintf("unexpected end of the file after '%s'", n.lastText)
	if o, ok := n.top(); ok {
		msg = fmt.Sprintf("unexpected end of the file: the '%s' on line %d is never closed ('%s' is missing)", o.text, o.line, o.close)
	}
	return &config.Error{Pos: config.Pos{File: n.file, Line: max(n.last, 1)}, Msg: msg}
}

// longStart returns the line where the token after the position (line,
// column) starts, skipping blanks and line comments, and its opening
// bracket: the long string or comment the scanner could not finish.
func longStart(src string, line, column int) (int, string) {
	if line < 1 {
		line = 1
	}
	off := 0
	for l := 1; l < line && off < len(src); l++ {
		i := strings.IndexByte(src[off:], '\n')
		if i < 0 {
			off = len(src)
			break
		}
		off += i + 1
	}
	off = min(off+column, len(src))
	for off < len(src) {
		switch {
		case src[off] == '\n':
			line++
			off++
		case src[off] == ' ' || src[off] == '\t' || src[off] == '\r':
			off++
		case strings.HasPrefix(src[off:], "--") && !isLongBracket(src[off+2:]):
			i := strings.IndexByte(src[off:], '\n')
			if i < 0 {
				return line, ""
			}
			off += i
		default:
			return line, longBracket(src[off:])
		}
	}
	return line, ""
}

// isLongBracket reports whether s starts with a Lua long bracket, [[ or
// [=...=[.
func isLongBracket(s string) bool {
	if !strings.HasPrefix(s, "[") {
		return false
	}
	rest := strings.TrimLeft(s[1:], "=")
	return strings.HasPrefix(rest, "[")
}

// longBracket returns the long bracket s starts with, after an optional
// "--": "[[", "[==[", "--[[". It returns "[[" when s holds none.
func longBracket(s string) string {
	prefix := ""
	if strings.HasPrefix(s, "--") {
		prefix, s = "--", s[2:]
	}
	if !isLongBracket(s) {
		return prefix + "[["
	}
	n := len(s[1:]) - len(strings.TrimLeft(s[1:], "="))
	return prefix + "[" + strings.Repeat("=", n) + "["
}

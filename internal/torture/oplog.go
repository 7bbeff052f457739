package torture

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
)

// tailLines is how many of the newest lines an OpLog keeps in memory for
// Tail, so a failure report needs no reading back of a large file.
const tailLines = 200

// OpLog records every operation of every writer, one line each, in the
// order they ran:
//
//	15:04:05.000000 w0 #12 rename "w0/tmp3" "w0/d5"
//	15:04:05.000000 w1 -- quiet 320ms
//
// The time (wall clock, to match luasync's own log) comes first; the rest
// of a line depends only on the seed. "#N" counts a writer's operations;
// "--" lines are notes (a pattern starting, a pause, luasync starting).
// Paths are quoted with strconv.Quote, so newlines and bytes that are not
// UTF-8 stay readable and unambiguous.
type OpLog struct {
	mu   sync.Mutex
	w    *bufio.Writer
	err  error
	ops  int
	tail []string
	next int // where the next line goes in tail once it is full
}

// NewOpLog writes the log to w; Flush before reading it elsewhere.
func NewOpLog(w io.Writer) *OpLog {
	return &OpLog{w: bufio.NewWriter(w)}
}

// op records operation number n of writer id: its name, its paths
// (quoted) and a detail such as a size or a mode, if any.
func (l *OpLog) op(id, n int, name, detail string, paths ...string) {
	var b strings.Builder
	fmt.Fprintf(&b, "w%d #%d %s", id, n, name)
	for _, p := range paths {
		b.WriteString(" " + strconv.Quote(p))
	}
	if detail != "" {
		b.WriteString(" " + detail)
	}
	l.line(b.String(), true)
}

// note records a line that is not an operation.
func (l *OpLog) note(id int, text string) {
	l.line(fmt.Sprintf("w%d -- %s", id, text), false)
}

// Note records an event of the test itself, such as luasync starting.
func (l *OpLog) Note(text string) {
	l.line("test -- "+text, false)
}

func (l *OpLog) line(s string, isOp bool) {
	s = time.Now().Format("15:04:05.000000") + " " + s
	l.mu.Lock()
	defer l.mu.Unlock()
	if isOp {
		l.ops++
	}
	if _, err := l.w.WriteString(s + "\n"); err != nil && l.err == nil {
		l.err = err
	}
	if len(l.tail) < tailLines {
		l.tail = append(l.tail, s)
		return
	}
	l.tail[l.next] = s
	l.next = (l.next + 1) % tailLines
}

// Ops is the number of operations recorded so far.
func (l *OpLog) Ops() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ops
}

// Tail returns the newest n lines (at most 200), oldest first.
func (l *OpLog) Tail(n int) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	ordered := append(append([]string(nil), l.tail[l.next:]...), l.tail[:l.next]...)
	return ordered[max(0, len(ordered)-n):]
}

// Flush writes out buffered lines and returns the first write error.
func (l *OpLog) Flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.w.Flush(); err != nil && l.err == nil {
		l.err = err
	}
	if l.err != nil {
		return fmt.Errorf("write op log: %w", l.err)
	}
	return nil
}

package faillog

import (
	"bytes"
	"fmt"
	"time"
)

// Rename gives entries a sink's new name: names maps old to new. Earlier
// versions of luasync wrote a sink's display name ("www ->
// rsync://backup:8730/www"), which changes with a port; entries now carry
// a stable identity, and the daemon renames old entries of the sinks it
// recognises at start. It
// returns how many entries it renamed.
func (l *Log) Rename(names map[string]string) (int, error) {
	if len(names) == 0 {
		return 0, nil
	}
	return l.rewrite(func(ln line, buf *bytes.Buffer) (bool, error) {
		to, ok := names[ln.entry.Sink]
		if ln.damage != nil || !ok {
			buf.Write(ln.raw)
			buf.WriteByte('\n')
			return false, nil
		}
		e := ln.entry
		e.Sink = to
		if err := encode(buf, e); err != nil {
			return false, fmt.Errorf("rename sink in fail log %s: %w", l.path, err)
		}
		return true, nil
	})
}

// Drop removes the entries of sink written at exactly at: a marker the
// caller wrote itself and no longer needs (the daemon's "running" entry of
// a plugin, removed at a clean stop). It returns how many it removed.
func (l *Log) Drop(sink string, at time.Time) (int, error) {
	return l.Remove(sink, func(e Entry) bool { return e.Time.Equal(at) })
}

// Remove removes the entries of sink for which drop says so, and returns
// how many it removed.
func (l *Log) Remove(sink string, drop func(Entry) bool) (int, error) {
	return l.rewrite(func(ln line, buf *bytes.Buffer) (bool, error) {
		if ln.damage == nil && ln.entry.Sink == sink && drop(ln.entry) {
			return true, nil
		}
		buf.Write(ln.raw)
		buf.WriteByte('\n')
		return false, nil
	})
}

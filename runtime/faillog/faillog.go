package faillog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/luasync/luasync/runtime/event"
)

// Entry is one event that a sink did not apply.
type Entry struct {
	Time     time.Time
	Sink     string // the sink's name, "SYNC->TARGET"
	Event    event.Event
	Attempts int
	Reason   string
	// Final: the sink answered that this event will never work (Fail),
	// rather than running out of retries or time. A sink that replays its
	// entries while it runs (a plugin's) leaves final ones for the next
	// start, when the cause may have been fixed.
	Final bool
}

// Log is a fail log file, locked against other processes from Open to
// Close. It is safe for concurrent use.
type Log struct {
	path string
	mu   sync.Mutex // serialises appends with compaction's read-and-replace
	lock *os.File   // nil once closed
}

// ErrClosed is returned by a Log's methods after Close.
var ErrClosed = errors.New("fail log is closed")

// Open locks the fail log at path (see ErrInUse), creating its directory
// if needed. The file itself is created on the first Append.
func Open(path string) (*Log, error) {
	if err := mkdirAll(filepath.Dir(path)); err != nil {
		return nil, err
	}
	f, err := lock(path)
	if err != nil {
		return nil, err
	}
	return &Log{path: path, lock: f}, nil
}

// Close releases the lock. The daemon keeps its Log open for the life of
// the process.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lock == nil {
		return nil
	}
	err := l.lock.Close()
	l.lock = nil
	if err != nil {
		return fmt.Errorf("unlock fail log %s: %w", l.path, err)
	}
	return nil
}

// Path is the file's path.
func (l *Log) Path() string { return l.path }

// Append writes entries and fsyncs the file before returning. A write that
// is cut short (a full disk) is an error, and the file is cut back to
// where it was: the caller still holds the entries.
func (l *Log) Append(entries ...Entry) error {
	if len(entries) == 0 {
		return nil
	}
	var buf bytes.Buffer
	for _, e := range entries {
		if err := encode(&buf, e); err != nil {
			return fmt.Errorf("append to fail log %s: %w", l.path, err)
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lock == nil {
		return fmt.Errorf("append to fail log %s: %w", l.path, ErrClosed)
	}
	return l.append(buf.Bytes())
}

func (l *Log) append(data []byte) error {
	f, created, err := openOrCreate(l.path, os.O_RDWR|os.O_APPEND)
	if err != nil {
		return fmt.Errorf("open fail log %s: %w", l.path, err)
	}
	defer f.Close()
	size, torn, err := tail(f)
	if err != nil {
		return fmt.Errorf("read fail log %s: %w", l.path, err)
	}
	if torn {
		// An earlier write was cut off: by a crash, or by a full disk when
		// cutting it back failed too. End that line rather than cut it
		// away: it may be the only trace of events that never reached the
		// disk, and Load turns it into a full sync of the sink it names
		// (of every sink if it names none), where truncating would forget
		// them.
		data = append([]byte{'\n'}, data...)
	}
	if n, err := f.Write(data); err != nil || n != len(data) {
		if err == nil {
			err = io.ErrShortWrite
		}
		// Our own cut-off line is cut back at once: Append fails, so the
		// caller still holds these entries (it re-queues them, or reports
		// them lost), and the file keeps only what it acknowledged.
		cut := "cut back to where it was"
		if terr := f.Truncate(size); terr != nil {
			cut = fmt.Sprintf("left unfinished (%v); the next append ends that line", terr)
		}
		return fmt.Errorf("append to fail log %s: wrote %d of %d bytes, %s: %w", l.path, n, len(data), cut, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("fsync fail log %s: %w", l.path, err)
	}
	if created {
		return syncDir(filepath.Dir(l.path))
	}
	return nil
}

// tail returns the file's size, and whether its last line lacks its
// newline (it was cut off).
func tail(f *os.File) (size int64, torn bool, err error) {
	fi, err := f.Stat()
	if err != nil || fi.Size() == 0 {
		return 0, false, err
	}
	last := make([]byte, 1)
	if _, err := f.ReadAt(last, fi.Size()-1); err != nil {
		return 0, false, err
	}
	return fi.Size(), last[0] != '\n', nil
}

// Load reads every entry. A line that does not decode is not an error: it
// comes back as a Damage, for the caller to warn about and to turn into
// full syncs (Damage.Concerns), and to Repair. A missing file is an empty
// log.
func (l *Log) Load() ([]Entry, []Damage, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	lines, err := l.read()
	if err != nil {
		return nil, nil, err
	}
	var entries []Entry
	var damage []Damage
	for _, ln := range lines {
		if ln.damage != nil {
			damage = append(damage, *ln.damage)
		} else {
			entries = append(entries, ln.entry)
		}
	}
	return entries, damage, nil
}

// line is one line of the file, as it was read.
type line struct {
	raw    []byte // without its newline
	entry  Entry
	damage *Damage // nil: entry is what raw holds
}

func (l *Log) read() ([]line, error) {
	if l.lock == nil {
		return nil, fmt.Errorf("read fail log %s: %w", l.path, ErrClosed)
	}
	data, err := os.ReadFile(l.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read fail log %s: %w", l.path, err)
	}
	var out []line
	for i, raw := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(raw)) == 0 {
			continue
		}
		e, err := decode(raw)
		if err != nil {
			out = append(out, line{raw: raw, damage: damaged(i+1, raw, err)})
			continue
		}
		out = append(out, line{raw: raw, entry: e})
	}
	return out, nil
}

// Compact removes the entries of sink written before t: a full sync that
// started at t has covered them. Damaged lines are kept as they are: only
// Repair, which knows every sink, may replace them.
func (l *Log) Compact(sink string, before time.Time) (removed int, err error) {
	return l.rewrite(func(ln line, buf *bytes.Buffer) (bool, error) {
		if ln.damage == nil && ln.entry.Sink == sink && ln.entry.Time.Before(before) {
			return true, nil
		}
		buf.Write(ln.raw)
		buf.WriteByte('\n')
		return false, nil
	})
}

// Repair replaces each damaged line by a well-formed full-sync request
// (a Rescan of the root) for each sink it concerns, out of sinks (every
// sink now configured), dated at the zero time so that the next full sync
// of that sink removes it. Until then the request stays on disk, so a
// crash before that full sync asks for it again at the next start. It
// returns how many lines it replaced.
func (l *Log) Repair(sinks []string) (int, error) {
	return l.rewrite(func(ln line, buf *bytes.Buffer) (bool, error) {
		if ln.damage == nil {
			buf.Write(ln.raw)
			buf.WriteByte('\n')
			return false, nil
		}
		d := ln.damage
		for _, s := range d.Concerns(sinks) {
			e := Entry{Sink: s, Event: event.Event{Op: event.Rescan, IsDir: true},
				Reason: fmt.Sprintf("replaces damaged line %d, which held %q (%d bytes)", d.Line, d.Held, d.Len)}
			if err := encode(buf, e); err != nil {
				return false, fmt.Errorf("repair fail log %s: %w", l.path, err)
			}
		}
		return true, nil
	})
}

// rewrite re-reads the file under the mutex that appends take, so no line
// appended since an earlier read can be lost, lets edit write each line's
// replacement to buf, and if edit changed any line, replaces the file
// atomically. It returns how many lines edit changed.
func (l *Log) rewrite(edit func(ln line, buf *bytes.Buffer) (changed bool, err error)) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	lines, err := l.read()
	if err != nil {
		return 0, err
	}
	var buf bytes.Buffer
	changed := 0
	for _, ln := range lines {
		c, err := edit(ln, &buf)
		if err != nil {
			return 0, err
		}
		if c {
			changed++
		}
	}
	if changed == 0 {
		return 0, nil
	}
	if err := l.replace(buf.Bytes()); err != nil {
		return 0, err
	}
	return changed, nil
}

func (l *Log) replace(data []byte) error {
	if len(data) == 0 {
		if err := os.Remove(l.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove fail log %s: %w", l.path, err)
		}
		return syncDir(filepath.Dir(l.path))
	}
	tmp := l.path + ".tmp"
	if err := writeSynced(tmp, data); err != nil {
		return fmt.Errorf("rewrite fail log %s: %w", l.path, err)
	}
	if err := os.Rename(tmp, l.path); err != nil {
		return fmt.Errorf("replace fail log %s: %w", l.path, err)
	}
	return syncDir(filepath.Dir(l.path))
}

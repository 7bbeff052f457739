package faillog

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/luasync/luasync/runtime/event"
)

// Entry is one event that a sink did not apply.
type Entry struct {
	Time     time.Time
	Sink     string // the sink's name, "SYNC->TARGET"
	Event    event.Event
	Attempts int
	Reason   string
}

// record is Entry's on-disk form.
type record struct {
	Time     time.Time `json:"time"`
	Sink     string    `json:"sink"`
	Op       string    `json:"op"`
	Path     string    `json:"path,omitempty"`
	PathB64  string    `json:"path_b64,omitempty"`
	From     string    `json:"from,omitempty"`
	FromB64  string    `json:"from_b64,omitempty"`
	IsDir    bool      `json:"dir,omitempty"`
	Attempts int       `json:"attempts,omitempty"`
	Reason   string    `json:"reason,omitempty"`
}

// Log is a fail log file. It is safe for concurrent use.
type Log struct {
	path string
	mu   sync.Mutex
}

// Open returns the fail log at path, creating its directory if needed. The
// file itself is created on the first Append.
func Open(path string) (*Log, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create fail log directory %s: %w", filepath.Dir(path), err)
	}
	return &Log{path: path}, nil
}

// Path is the file's path.
func (l *Log) Path() string { return l.path }

// Append writes entries and fsyncs the file before returning.
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
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open fail log %s: %w", l.path, err)
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
		f.Close()
		return fmt.Errorf("append to fail log %s: %w", l.path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("fsync fail log %s: %w", l.path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close fail log %s: %w", l.path, err)
	}
	return nil
}

// Load reads every entry. A missing file is an empty log. A torn last line
// (a crash in the middle of a write) is ignored; any other bad line is an
// error naming the line.
func (l *Log) Load() ([]Entry, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.load()
}

func (l *Log) load() ([]Entry, error) {
	data, err := os.ReadFile(l.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read fail log %s: %w", l.path, err)
	}
	lines := bytes.Split(data, []byte("\n"))
	torn := len(data) > 0 && data[len(data)-1] != '\n'
	var out []Entry
	for i, b := range lines {
		if len(b) == 0 {
			continue
		}
		e, err := decode(b)
		if err != nil {
			if torn && i == len(lines)-1 {
				break // a crash in the middle of the last write
			}
			return nil, fmt.Errorf("read fail log %s:%d: %w", l.path, i+1, err)
		}
		out = append(out, e)
	}
	return out, nil
}

// Compact removes the entries of sink written before t: a full sync that
// started at t has covered them. It rewrites the file atomically.
func (l *Log) Compact(sink string, before time.Time) (removed int, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	entries, err := l.load()
	if err != nil || len(entries) == 0 {
		return 0, err
	}
	var buf bytes.Buffer
	for _, e := range entries {
		if e.Sink == sink && e.Time.Before(before) {
			removed++
			continue
		}
		if err := encode(&buf, e); err != nil {
			return 0, fmt.Errorf("compact fail log %s: %w", l.path, err)
		}
	}
	if removed == 0 {
		return 0, nil
	}
	return removed, l.replace(buf.Bytes())
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
		return err
	}
	if err := os.Rename(tmp, l.path); err != nil {
		return fmt.Errorf("replace fail log %s: %w", l.path, err)
	}
	return syncDir(filepath.Dir(l.path))
}

func writeSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	_, werr := f.Write(data)
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("fsync directory %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("fsync directory %s: %w", dir, err)
	}
	return nil
}

func encode(buf *bytes.Buffer, e Entry) error {
	r := record{Time: e.Time.UTC(), Sink: e.Sink, Op: e.Event.Op.String(), IsDir: e.Event.IsDir,
		Attempts: e.Attempts, Reason: e.Reason}
	r.Path, r.PathB64 = pathFields(e.Event.Path)
	r.From, r.FromB64 = pathFields(e.Event.From)
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	buf.Write(b)
	buf.WriteByte('\n')
	return nil
}

func pathFields(p string) (plain, b64 string) {
	if utf8.ValidString(p) {
		return p, ""
	}
	return "", base64.StdEncoding.EncodeToString([]byte(p))
}

func decode(line []byte) (Entry, error) {
	var r record
	if err := json.Unmarshal(line, &r); err != nil {
		return Entry{}, err
	}
	op, err := event.ParseOp(r.Op)
	if err != nil {
		return Entry{}, err
	}
	p, err := pathValue(r.Path, r.PathB64)
	if err != nil {
		return Entry{}, err
	}
	from, err := pathValue(r.From, r.FromB64)
	if err != nil {
		return Entry{}, err
	}
	return Entry{Time: r.Time, Sink: r.Sink, Attempts: r.Attempts, Reason: r.Reason,
		Event: event.Event{Op: op, Path: p, From: from, IsDir: r.IsDir}}, nil
}

func pathValue(plain, b64 string) (string, error) {
	if b64 == "" {
		return plain, nil
	}
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return "", fmt.Errorf("decode path: %w", err)
	}
	return string(b), nil
}

package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
	"unicode/utf8"

	"github.com/luasync/luasync/plugins/sdk"
)

// Appender appends each event to a file as a JSON line.
//
// Its config:
//
//	file   the file to append to: an absolute path (required)
//	fsync  flush each batch to disk before reporting it done (default true)
//
// It opens the file for each batch rather than once, so that logrotate
// may move it away at any time. Delivery is at least once: after a crash
// or a failed write, a batch may appear in the file twice.
type Appender struct {
	sync  string
	file  string
	fsync bool
}

var _ sdk.Plugin = (*Appender)(nil)

// Info names the plugin. It takes every operation, and the host's
// default batch size; one Handle call at a time keeps lines in order.
func (a *Appender) Info() sdk.Info {
	return sdk.Info{Name: "jsonl", Version: "1.0.0"}
}

// Configure reads the config. Under `luasync check` it only validates;
// otherwise it also opens the file once, so that a bad path is reported
// against the key "file" before the sync starts, not as a stream of
// retries.
func (a *Appender) Configure(_ context.Context, cfg *sdk.Config) error {
	a.sync = cfg.Sync
	a.file = cfg.Required("file")
	a.fsync = cfg.Bool("fsync", true)
	if a.file != "" && !filepath.IsAbs(a.file) {
		cfg.Errorf("file", "%q is not an absolute path", a.file)
	}
	if err := cfg.Err(); err != nil || cfg.Check {
		return err
	}
	f, err := open(a.file)
	if err != nil {
		cfg.Errorf("file", "%v", err)
		return cfg.Err()
	}
	sdk.Log.Info("appending events", "file", a.file, "sync", a.sync)
	return f.Close()
}

// Handle writes the batch in one write, so that batches never interleave,
// and reports every event done once it is written (and on disk, with
// fsync). A failed write asks the host to retry them all.
func (a *Appender) Handle(_ context.Context, events []sdk.Event) []sdk.Result {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for _, ev := range events {
		if err := enc.Encode(lineOf(a.sync, ev)); err != nil {
			return sdk.All(events, sdk.Fail, err) // cannot happen: every field encodes
		}
	}
	if err := a.write(buf.Bytes()); err != nil {
		sdk.Log.Warn("cannot append events", "file", a.file, "error", err)
		return sdk.All(events, sdk.Retry, err)
	}
	return sdk.All(events, sdk.OK, nil)
}

func (a *Appender) write(b []byte) error {
	f, err := open(a.file)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil && a.fsync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("append to %s: %w", a.file, err)
	}
	return nil
}

func open(name string) (*os.File, error) {
	return os.OpenFile(name, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
}

// line is one event as written. A path (or from) that is not valid UTF-8
// cannot be a JSON string without losing bytes, so it goes base64-encoded
// in path_b64 (from_b64) instead, as in luasync's fail log.
type line struct {
	Time    string  `json:"time,omitempty"` // RFC 3339, when luasync handed the event over
	Sync    string  `json:"sync"`
	Op      string  `json:"op"` // create, modify, attrib, delete, move, full
	Path    *string `json:"path,omitempty"`
	PathB64 string  `json:"path_b64,omitempty"`
	From    *string `json:"from,omitempty"`
	FromB64 string  `json:"from_b64,omitempty"`
	IsDir   bool    `json:"is_dir"`
	Size    int64   `json:"size"` // -1: unknown
}

func lineOf(sync string, ev sdk.Event) line {
	l := line{Sync: sync, Op: ev.Op.String(), IsDir: ev.IsDir, Size: ev.Size}
	if !ev.Time.IsZero() {
		l.Time = ev.Time.UTC().Format(time.RFC3339Nano)
	}
	l.Path, l.PathB64 = pathFields(ev.Path)
	if ev.Op == sdk.Move {
		l.From, l.FromB64 = pathFields(ev.From)
	}
	return l
}

func pathFields(p string) (*string, string) {
	if utf8.ValidString(p) {
		return &p, ""
	}
	return nil, base64.StdEncoding.EncodeToString([]byte(p))
}

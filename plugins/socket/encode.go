package socket

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/luasync/luasync/plugins/sdk"
)

// record is an event as format "json" writes it.
type record struct {
	Op      string  `json:"op"`
	Path    *string `json:"path,omitempty"`
	PathB64 string  `json:"path_b64,omitempty"`
	From    *string `json:"from,omitempty"`
	FromB64 string  `json:"from_b64,omitempty"`
	IsDir   bool    `json:"isdir"`
	Sync    string  `json:"sync"`
	Time    string  `json:"time"`
}

// encoder turns events into the bytes the listener reads.
type encoder struct {
	format string
	source string
	sync   string
}

// encode is ev's line (or, for a move in format sersync, lines).
func (e encoder) encode(ev sdk.Event) ([]byte, error) {
	if e.format == "sersync" {
		return e.sersync(ev)
	}
	return e.json(ev)
}

func (e encoder) json(ev sdk.Event) ([]byte, error) {
	when := ev.Time
	if when.IsZero() {
		when = time.Now()
	}
	r := record{Op: ev.Op.String(), IsDir: ev.IsDir, Sync: e.sync, Time: when.UTC().Format(time.RFC3339Nano)}
	r.Path, r.PathB64 = text(ev.Path)
	if ev.Op == sdk.Move {
		r.From, r.FromB64 = text(ev.From)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf) // ends the object with "\n"
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return nil, fmt.Errorf("encode event for %q: %w", ev.Path, err)
	}
	return buf.Bytes(), nil
}

// text is s for a JSON string, or its base64 when JSON cannot carry its
// bytes (encoding/json would replace them).
func text(s string) (*string, string) {
	if utf8.ValidString(s) {
		return &s, ""
	}
	return nil, base64.StdEncoding.EncodeToString([]byte(s))
}

// sersync writes absolute paths, one per line: a path with a newline in
// it cannot be framed, and would reach the listener as two paths.
func (e encoder) sersync(ev sdk.Event) ([]byte, error) {
	paths := []string{ev.Path}
	if ev.Op == sdk.Move {
		paths = []string{ev.From, ev.Path}
	}
	var out []byte
	for _, p := range paths {
		if strings.Contains(p, "\n") {
			return nil, fmt.Errorf("encode %q: format sersync cannot send a name with a newline (use format json)", p)
		}
		out = append(out, e.abs(p)...)
		out = append(out, '\n')
	}
	return out, nil
}

func (e encoder) abs(rel string) string {
	if rel == "" {
		return e.source
	}
	return strings.TrimSuffix(e.source, "/") + "/" + rel
}

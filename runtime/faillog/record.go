package faillog

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/luasync/luasync/runtime/event"
)

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
	Final    bool      `json:"final,omitempty"`
}

// Damage is a line of the fail log that does not decode: the tail of a
// write cut off by a crash or a full disk, or something written onto such
// a tail. Any entry only asks for a full sync of its sink, so a damaged
// line asks the same of the sinks it still names (Concerns).
type Damage struct {
	Line  int      // 1-based
	Sinks []string // the sink names still readable in it, in order
	Held  string   // its first bytes, as they are (quote them to print: any byte may be there)
	Len   int      // its length in bytes
	Err   error    // why it does not decode
}

// Concerns is which of sinks (every sink now configured) must run a full
// sync because of d: those it names, or all of them when it names none of
// them (it was cut off before its sink, or the name itself is damaged).
func (d Damage) Concerns(sinks []string) []string {
	var named []string
	for _, s := range d.Sinks {
		if slices.Contains(sinks, s) && !slices.Contains(named, s) {
			named = append(named, s)
		}
	}
	if len(named) == 0 {
		return sinks
	}
	return named
}

// heldMax bounds how much of a damaged line Damage.Held keeps.
const heldMax = 160

// sinkField finds `"sink":"NAME"` anywhere in a line, so that a line two
// writes were glued into still names both sinks.
var sinkField = regexp.MustCompile(`"sink":("(?:[^"\\]|\\.)*")`)

func damaged(n int, line []byte, err error) *Damage {
	d := &Damage{Line: n, Err: err, Held: string(line[:min(len(line), heldMax)]), Len: len(line)}
	for _, m := range sinkField.FindAllSubmatch(line, -1) {
		var name string
		if json.Unmarshal(m[1], &name) == nil && !slices.Contains(d.Sinks, name) {
			d.Sinks = append(d.Sinks, name)
		}
	}
	return d
}

func encode(buf *bytes.Buffer, e Entry) error {
	r := record{Time: e.Time.UTC(), Sink: e.Sink, Op: e.Event.Op.String(), IsDir: e.Event.IsDir,
		Attempts: e.Attempts, Reason: e.Reason, Final: e.Final}
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
	return Entry{Time: r.Time, Sink: r.Sink, Attempts: r.Attempts, Reason: r.Reason, Final: r.Final,
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

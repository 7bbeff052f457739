package command

import (
	"bytes"
	"sync"

	"github.com/luasync/luasync/plugins/sdk"
)

// outputLimit bounds what is kept of each stream: its first bytes for the
// log, and its last bytes for a failure's reason.
const outputLimit = 4096

// capture is a stream's head and tail; a chatty command costs no more.
type capture struct {
	mu    sync.Mutex
	head  []byte
	tail  []byte
	total int64
}

func newCapture() *capture { return &capture{} }

func (c *capture) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.total += int64(len(p))
	if room := outputLimit - len(c.head); room > 0 {
		c.head = append(c.head, p[:min(room, len(p))]...)
	}
	c.tail = append(c.tail, p...)
	if len(c.tail) > 2*outputLimit {
		c.tail = append(c.tail[:0], c.tail[len(c.tail)-outputLimit:]...)
	}
	return len(p), nil
}

// lastLine is the stream's last non-empty line, cut to a reason's size.
func (c *capture) lastLine() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := bytes.TrimRight(c.tail, " \t\r\n")
	if i := bytes.LastIndexByte(t, '\n'); i >= 0 {
		t = t[i+1:]
	}
	if len(t) > 512 {
		t = t[len(t)-512:]
	}
	return string(t)
}

// logOutput sends what the command printed to the plugin's log, with the
// path it ran for.
func logOutput(ev sdk.Event, stream string, c *capture) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.total == 0 {
		return
	}
	sdk.Log.Info("command output", "path", ev.Path, "op", ev.Op.String(), "stream", stream,
		"output", string(c.head), "bytes", c.total, "truncated", c.total > int64(len(c.head)))
}

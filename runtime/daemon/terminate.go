package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
)

// Terminated is Run's error when an action called terminate(code) with a
// code other than 0: luasync drained and stopped as on SIGTERM.
type Terminated struct{ Code int }

func (t *Terminated) Error() string {
	return fmt.Sprintf("an action called terminate(%d)", t.Code)
}

// termination is lsyncd's terminate(code) from Lua: the daemon stops as on
// SIGTERM (draining, persisting), and Run reports the code.
type termination struct {
	stop func()
	log  *slog.Logger
	mu   sync.Mutex
	code *int
}

func newTermination(stop context.CancelFunc, log *slog.Logger) *termination {
	return &termination{stop: stop, log: log}
}

// request runs on the Lua VM's goroutine; it must not wait for anything.
func (t *termination) request(code int) {
	t.mu.Lock()
	if t.code == nil {
		t.code = &code
		t.log.Warn("an action called terminate(); draining and stopping", "code", code)
	}
	t.mu.Unlock()
	t.stop()
}

func (t *termination) err() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.code == nil || *t.code == 0 {
		return nil
	}
	return &Terminated{Code: *t.code}
}

package daemon

import (
	"context"
	"sync"
)

// counter is a count that goroutines can wait to see reach a value.
type counter struct {
	mu      sync.Mutex
	n       uint64
	grew    chan struct{} // closed when n grows while someone waits
	waiting bool
}

func (c *counter) add() {
	c.mu.Lock()
	c.n++
	if c.waiting {
		close(c.grew)
		c.grew, c.waiting = nil, false
	}
	c.mu.Unlock()
}

// wait returns once the count is at least n, or ctx ends.
func (c *counter) wait(ctx context.Context, n uint64) error {
	for {
		c.mu.Lock()
		if c.n >= n {
			c.mu.Unlock()
			return nil
		}
		if !c.waiting {
			c.grew, c.waiting = make(chan struct{}), true
		}
		grew := c.grew
		c.mu.Unlock()
		select {
		case <-grew:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

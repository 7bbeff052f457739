package sink

import (
	"sync"
	"time"
)

// manualClock is a Clock that moves only when a test calls Advance. A timer
// whose deadline has passed fires at once, so a test may Advance before or
// after the pool arms its timer.
type manualClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*manualTimer
}

type manualTimer struct {
	at    time.Time
	c     chan time.Time
	fired bool
}

func newManualClock() *manualClock {
	return &manualClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) NewTimer(d time.Duration) (<-chan time.Time, func() bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &manualTimer{at: c.now.Add(d), c: make(chan time.Time, 1)}
	c.timers = append(c.timers, t)
	c.fire()
	return t.c, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		was := !t.fired
		t.fired = true
		return was
	}
}

// Advance moves the clock and fires every timer that is due.
func (c *manualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.fire()
}

func (c *manualClock) fire() {
	kept := c.timers[:0]
	for _, t := range c.timers {
		switch {
		case t.fired:
		case !t.at.After(c.now):
			t.fired = true
			t.c <- c.now
		default:
			kept = append(kept, t)
		}
	}
	c.timers = kept
}

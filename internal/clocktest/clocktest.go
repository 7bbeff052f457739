// Package clocktest is a clock for tests that moves only when the test
// says so: the time-dependent parts of luasync (the sink pool, the tunnel
// supervisor) take a clock with Now and NewTimer, and their tests drive
// this one instead of sleeping for timers.
package clocktest

import (
	"sync"
	"time"
)

// Manual is a clock that moves only when a test calls Advance. A timer
// whose deadline has passed fires at once, so a test may Advance before or
// after the code under test arms its timer.
type Manual struct {
	mu     sync.Mutex
	now    time.Time
	timers []*manualTimer
}

type manualTimer struct {
	at    time.Time
	c     chan time.Time
	fired bool
}

// NewManual returns a Manual clock at 2026-01-01 00:00 UTC.
func NewManual() *Manual {
	return &Manual{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
}

// Now returns the clock's time.
func (c *Manual) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// NewTimer returns a channel that receives once the clock has moved d past
// now, and a func that stops the timer (true if it had not fired).
func (c *Manual) NewTimer(d time.Duration) (<-chan time.Time, func() bool) {
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
func (c *Manual) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.fire()
}

func (c *Manual) fire() {
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

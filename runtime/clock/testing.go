package clock

import (
	"sync"
	"time"
)

// Manual is a Clock for tests: it moves only when the test calls Advance.
// A timer fires when the clock reaches its deadline, at once if that has
// passed, so a test may Advance before or after the code under test sets
// its timer.
type Manual struct {
	// Armed, if set, receives the duration of every timer set, once the
	// timer exists: a test that waits for it knows the code under test is
	// waiting too. Give it room (a buffer) or read it.
	Armed chan time.Duration

	mu     sync.Mutex
	now    time.Time
	timers []*manualTimer
}

type manualTimer struct {
	at    time.Time
	c     chan time.Time
	fired bool
}

// NewManual returns a Manual clock that reads start.
func NewManual(start time.Time) *Manual {
	return &Manual{now: start}
}

// Now returns the clock's time.
func (c *Manual) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// NewTimer sets a timer that fires when the clock reaches now + d.
func (c *Manual) NewTimer(d time.Duration) (<-chan time.Time, func() bool) {
	c.mu.Lock()
	t := &manualTimer{at: c.now.Add(d), c: make(chan time.Time, 1)}
	c.timers = append(c.timers, t)
	c.fire()
	c.mu.Unlock()
	if c.Armed != nil {
		c.Armed <- d
	}
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

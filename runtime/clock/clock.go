package clock

import "time"

// Clock tells the time and sets timers.
type Clock interface {
	Now() time.Time
	// NewTimer returns a channel that receives once after d, and a stop func.
	NewTimer(d time.Duration) (<-chan time.Time, func() bool)
}

// System is the real clock.
type System struct{}

// Now returns time.Now().
func (System) Now() time.Time { return time.Now() }

// NewTimer wraps time.NewTimer.
func (System) NewTimer(d time.Duration) (<-chan time.Time, func() bool) {
	t := time.NewTimer(d)
	return t.C, t.Stop
}

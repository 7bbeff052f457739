package sink

import (
	"time"

	"github.com/luasync/luasync/runtime/clock"
)

// newManualClock is the clock pool tests move by hand.
func newManualClock() *clock.Manual {
	return clock.NewManual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
}

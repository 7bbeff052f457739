package sink

import "github.com/luasync/luasync/internal/clocktest"

// manualClock is a Clock that moves only when a test calls Advance.
type manualClock = clocktest.Manual

func newManualClock() *manualClock { return clocktest.NewManual() }

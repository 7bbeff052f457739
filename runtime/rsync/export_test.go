package rsync

import "time"

// SetWarmIdle changes how long a warm run waits for its batch, for a test.
func SetWarmIdle(d time.Duration) (restore func()) {
	old := warmIdle
	warmIdle = d
	return func() { warmIdle = old }
}

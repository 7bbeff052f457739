// Package clock is the source of time for code whose behaviour depends on
// it (the sink pool's settle times, backoff and grace; the cron runner's
// schedules), so that their tests move time by hand (Manual) and never
// wait for a timer. It imports nothing of luasync's.
package clock

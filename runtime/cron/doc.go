// Package cron runs scheduled full syncs, and is the only package that
// imports github.com/robfig/cron/v3 (for its spec parser and schedules, not
// its runner).
//
// Parse reads a schedule in one of two forms: lsyncd 2.3's crontab = { ... }
// entries (Crontab: six fields, seconds first, as lsyncd's lua-crontab reads
// them) and luasync's fullsync = { schedule = ... } (Flexible: five fields,
// minute first, as crontab(5); six, seconds first; or a descriptor such as
// @daily or @every 6h). Package luavm calls it at load time, so a bad spec
// is a config error naming its key; package daemon calls it again to build
// the Runner.
//
// A Runner holds one Job per sink and schedule. When a job is due it calls
// Start, which queues a full sync of that sink (package daemon: the sink
// pool's FullSync) or reports that the previous one is still going; then
// the run is skipped and logged, never stacked. The Runner takes its time
// from a clock.Clock, so tests drive it by hand and never wait for a timer.
//
// A run that falls due while luasync is not running, or while the wall
// clock is stepped past it, is not caught up: the next run is planned from
// the moment a job fires, so a missed hour gives one run, not a burst.
package cron

// Package daemon wires one luasync process together: for every sync{} it
// opens the watcher, the static filter and the Lua filter, and fans each
// event out to one pool per sink (each with its own queue). It is the only
// package that imports the pipeline stages; they share nothing but package
// event.
//
// Start-up order matters and is the reason luasync cannot lose changes made
// while it starts: every watch is added first, then the startup full sync
// (a Rescan of the root) is queued, so a change made during the full sync is
// queued behind it instead of being missed.
//
// Scheduled full syncs (crontab, fullsync) come from package cron's Runner,
// which runs beside the watchers once the startup syncs are queued. A due
// schedule asks each sink's pool for a full sync (sink.Pool.FullSync), which
// is queued as the startup sync is, narrowed by fullsync's own excludes, and
// skipped while a full sync of that sink is pending or running. The status
// file says when each runs next.
//
// New locks the fail log (one process per fail log) and Close unlocks it.
// At start, fail log entries and damaged lines ask for full syncs; damaged
// lines are logged, not fatal.
//
// Shutdown: cancelling Run's context stops the watchers, then each pool
// drains for the grace period and persists what is left to the fail log;
// Run returns every pool's report of events it could not persist.
//
// Tunnels (tunnel.go): each tunnel{} a sync uses runs for as long as the
// pools (it is stopped after they drained through it); it is every such
// pool's gate, and a pool-mode sync's rsync sinks ask it for a target per
// batch.
package daemon

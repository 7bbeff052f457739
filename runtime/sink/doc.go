// Package sink runs a Sink (something that applies batches of events: the
// direct mirror, rsync, a plugin) behind its own queue and worker pool.
//
// A Pool owns one queue (package queue, behind the Queue interface here) and
// one dispatcher loop. The loop hands every ready batch to a free worker, so
// batches are small when the sink is idle and large when it is busy; the queue
// guarantees that two batches in flight never touch the same path. With a
// Window (a sync's batchInterval) it starts at most one batch per Window
// unless the last one was full, so a steady trickle of changes goes out in
// few batches, while a change on a sink idle for a Window goes at once. A
// sink that is a Preparer is told when a batch is due within prepareAhead,
// so it can connect before the batch comes. Each event
// in a batch comes back OK (dropped), Retry (re-queued with exponential
// backoff until the retry budget is spent) or Fail; what is not applied is
// appended to the fail log before it is forgotten.
//
// Shutdown (the Run context is cancelled): the pool stops waiting for settle
// times, keeps applying for up to the grace period, then cancels what is in
// flight and writes everything still pending or unapplied to the fail log.
// It never drops an event silently: what the fail log refuses then (a full
// disk) is logged and returned by Run, per write, with a count and a sample.
//
// Time comes from a clock.Clock so tests drive it by hand.
package sink

// Package faillog is luasync's durable record of changes a sink could not
// apply: an append-only file of JSON lines, fsynced before Append returns, so
// an event leaves memory only once it is either applied or on disk here.
//
// A sink's events reach the fail log when its retry budget is spent, when a
// sink reports them as failed, and at shutdown when the grace period ran out.
// On the next start the daemon sees the entries and runs a full sync (Rescan
// of the root) for each sink that has any; once that Rescan succeeds, Compact
// drops that sink's entries written before it began. A full sync covers every
// older change, so nothing is lost and nothing has to be replayed one by one.
//
// Paths are bytes, not text: a path that is not valid UTF-8 is stored
// base64-encoded in path_b64 / from_b64 so that it round-trips exactly.
package faillog

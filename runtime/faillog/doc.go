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
// One process at a time: Open takes an exclusive flock on "<fail log>.lock"
// (which records the holder's PID for the message a second instance gets)
// and Close releases it; the daemon holds it for the life of the process.
// With no other writer, appends and compaction need only the Log's mutex to
// be serialised, and Compact re-reads the file under it, so it never drops a
// line appended after an earlier read.
//
// The file survives its own faults. A write cut off by a full disk is
// truncated back to where it began, since Append reports the failure and
// the caller still holds those events. A line cut off some other way (a
// crash, or a truncation that failed too) is ended with a newline before the
// next append, so an append never lands on a partial line. Load never fails
// on a line that does not decode: it reports it as a Damage (line number,
// the sink names still readable in it, a quoted prefix of what it held).
// As any entry only asks for a full sync of its sink, a damaged line asks
// the same of the sinks it names, and of every sink when it names none of
// the configured ones, because what it lost could have been anyone's.
// Repair rewrites each damaged line as such requests, one per sink, so the
// warnings stop and each request goes away with that sink's next full sync.
// Compact keeps damaged lines as they are: it does not know every sink.
//
// The file, the lock file and any directory Open creates are made durable
// by fsyncing their directory when they are created.
//
// Paths are bytes, not text: a path that is not valid UTF-8 is stored
// base64-encoded in path_b64 / from_b64 so that it round-trips exactly.
package faillog

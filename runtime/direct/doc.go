// Package direct is the pure-Go local mirror sink: it keeps a target
// directory identical to a source directory without rsync, so a quick start or
// a local mirror needs no external tool.
//
// Neighbours: a per-sink queue (package queue) hands it event.Batch values
// through the worker pool of package sink; it reports one event.Result per
// event, and retries and the fail log are the caller's business. Which paths
// belong to the mirror is decided upstream by package filter; Options.Keep
// carries the same decision here, so that a rescan does not copy excluded
// files and does not delete excluded files on the target (rsync --delete
// semantics). The daemon wires it up from a config.Sync of kind "direct".
//
// Events are applied by state: Create, Modify and Attrib make the target's
// copy of a path match the source as it is now, whatever the event said
// happened, so late or repeated events are harmless. Files are written to a
// hidden temporary name (".luasync.<name>.<random>") in the same directory and
// renamed into place, so a reader of the mirror never sees half a file.
//
// Files are not fsynced. A crash can lose the newest copies, but the mirror
// is derived data: the startup rescan puts it right from the source, and a
// per-file fsync would cost more than the whole copy on most disks. Errors
// from close are checked, because that is where NFS and full disks report.
//
// The sink does not follow symlinks below either root (see fsat.go), so a
// user who can write to the source cannot make it read or write elsewhere.
// Hard links are copied as separate files, and fifos, sockets and devices are
// skipped, as rsync -a does without -H and -D.
package direct

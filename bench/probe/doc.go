// Package probe measures, from the target's side, when each file a
// scenario wrote has arrived: it watches the target tree (the rsync
// module's directory) with inotify, and when a tracked path is closed after
// writing or renamed into place (rsync writes a temporary file and renames
// it), it checks the path's size against what the writer wrote.
//
// The writer registers each version of a file before its last byte is
// written (Expect), then stamps the close time (Done) just before close(),
// so an arrival can never be missed because it came too fast. A version is
// resolved by the first arrival of it or of any later version of the same
// path, so a file overwritten before the tool shipped it counts from its
// close to when newer content arrived. Moves carry unresolved versions to
// the new path; deletes drop them.
//
// An inotify queue overflow is survived by rescanning the whole target: the
// count is reported, as the arrivals found that way are timed late.
// Package scenario writes through it; cmd/benchsync reads its results.
package probe

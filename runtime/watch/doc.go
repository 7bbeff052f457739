// Package watch turns kernel file-system events under a sync's source tree
// into event.Event values with paths relative to the source root. It is the
// first stage of the pipeline: Options.Skip (package filter's decision,
// wired by package daemon) says what is never watched, and package daemon
// forwards what Run sends to the per-sink queues.
//
// On Linux it speaks raw inotify: one watch per directory, close-write or
// modify per Mode, rename cookies paired into Move events, a new directory
// watched before it is scanned, a queue overflow turned into a Rescan.
// Running out of fs.inotify.max_user_watches is an error from Open, or from
// Run when new directories need more; the source root itself vanishing is
// an error from Run. Elsewhere it falls back to fsnotify, which reports a
// rename as Delete plus Create, has no close-write, and on BSD and macOS
// (kqueue) holds a file descriptor per file, so it suits small trees; the
// build tag watch_fsnotify forces it on Linux, for testing.
//
// Open adds every watch before it returns, so a full sync started right
// after Open misses nothing; Run then reports changes until its context ends.
package watch

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
// after Open misses nothing; Run then reports changes until its context ends,
// and Flush tells a caller when every change made before it asked has been
// sent.
//
// # Why the tree stays right (Linux)
//
// Run keeps a tree of the watched directories, one node per watch
// descriptor, and builds every event's path from it. The kernel's events
// come in the order the changes happened, but the watcher reads them late,
// while the file system has moved on: a directory reported created may
// already be renamed, deleted, or replaced by a namesake. These rules keep
// the tree right whatever the interleaving:
//
//  1. A node is its inode. Each node records the device and inode its watch
//     is on. A directory is opened once (openat, O_NOFOLLOW) relative to its
//     parent's open descriptor, and the watch is added through
//     /proc/self/fd/N, its identity read with fstat and its entries listed
//     with getdents, all on that one descriptor: the watch, the node and
//     the listing can never be about different directories, whatever is
//     renamed meanwhile.
//  2. A parent reached by its path is checked against its identity first.
//     When the path leads elsewhere, a rename above it is still to be read:
//     the parent is listed again once the tree has caught up (the settler).
//  3. Which node a rename took is decided by identity, not by name: after
//     IN_MOVED_TO the directory now at the new name is opened, and if its
//     inode is watched, that node moves there. By name it could be a newer
//     directory that took the old name.
//  4. A node's own IN_MOVE_SELF, and a rename's first half that found no
//     second, make the settler check the node: if its path no longer leads
//     to its inode while its parent's does, it left (the tree, or for a
//     place whose arrival is still to be read): its watches are removed
//     and its parent listed again. A node whose parent is not in place
//     either waits for the parent to be settled first.
//  5. Deletions drop nodes by descriptor (IN_IGNORED), never by name.
//  6. An inode found watched elsewhere than where it now is is moved to
//     where it is, and its subtree reported by a Rescan; one found new is
//     watched, then listed, and everything in it reported created.
//  7. A directory that cannot be watched or listed for any reason but
//     being gone is logged as an error and listed again with backoff
//     (1 s, doubling, at most a minute); running out of watches is fatal.
//  8. A queue overflow walks the whole tree afresh and reports a Rescan.
//  9. What is remembered of files by path (files open for writing; in
//     CloseWrite mode, IN_MODIFYs whose close-write is awaited, which is
//     how truncate(2) by path is seen) moves with every relocation of a
//     directory above them, so it is never checked at a stale path.
//
// Paths in events are the tree's paths when the event is handled. A sink
// that finds one gone (renamed or deleted since) is told why by the
// events that follow; Flush lets the sink's pool wait for them before it
// counts the work done (see package sink).
package watch

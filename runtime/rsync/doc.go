// Package rsync is the rsync sink: it sends batches of events to one
// target (a local directory, an rsync daemon module, or a directory on an
// ssh host) with as few rsync runs as it can, and reports per event.
//
// Neighbours: package sink runs a Sink behind a per-target queue (package
// queue) and worker pool, as it runs the direct sink; package daemon
// builds one Sink per target from a config.Sync of kind rsync or rsyncssh
// (config.RsyncConfig and config.SSHConfig map onto Options field by
// field, config.Sync.RsyncTargets lists the targets for ParseTarget). The
// filter's decisions arrive as Options.Excludes (rsync patterns, which
// rsync applies) and Options.Keep (the whole filter, Lua function
// included, which the sink applies where it walks the tree). With
// Options.Tunnel (lsyncd 2.3's tunnel{} in pool mode, package tunnel), each
// batch's runs go to the target the tunnel hands out for it. Package
// rsynctest starts the real rsync daemon and sshd the tests use.
//
// # Runs and their arguments
//
// Every run starts with the same flags: Options.Args (rsync = { ... },
// --archive by default), --modify-window=-1 unless Args set one (rsync's
// quick check otherwise compares whole seconds, and a file rewritten at
// the same size within the second of its last sync would stay stale),
// --timeout and, for a daemon, --contimeout, --password-file and
// --sockopts=TCP_NODELAY unless Args set --sockopts (with Nagle's algorithm
// on, each of rsync's small protocol exchanges waits for the daemon's
// delayed ACK: a one-file run to a local daemon took 90-130 ms instead of
// 6-12 ms on rsync 3.5.0), then for remote targets -s (--secluded-args: paths travel inside the protocol, so
// neither a remote shell nor an older rsync's argument splitting sees
// them) and, for ssh, --rsh=CMD (quoted for rsync's own splitter). No
// --mkpath: it is sent to the receiver, which must then be rsync 3.2.3 or
// newer; as with rsync itself, a remote target's parent must exist (a local
// target is created by New), or _extra = { "--mkpath" } asks for it. The
// static excludes follow as --filter rules (argv carries any byte but
// NUL), and the paths after "--". A batch is applied
// in this order (the list run and the rescans are by state, so only the
// renames' order matters, and they go first):
//
//  1. Moves. Local target: rename(2) on the target. SSH target: one ssh run
//     per batch executes a /bin/sh script, one "m INDEX 'from' 'to' ..." line
//     per move (see moveScript: every path a single-quoted word, parents
//     checked for symlinks, "ok INDEX" printed per rename). Daemon target: a
//     daemon cannot rename, so a move is a delete of From and a transfer of
//     Path; so is a move that could not be renamed. A directory's transfer
//     is a Rescan of Path (step 4, with --delete), since the move replaces
//     whatever the target held there. A renamed Path is listed
//     in the run below so its attributes are synced.
//
//  2. One run for every other Create, Modify, Attrib and Delete:
//
//     rsync ARGS --from0 --files-from=- --delete-missing-args --force FILTERS -- SRC/ DST/
//
//     The paths go NUL-separated on stdin; names are data (newlines, quotes,
//     a leading '-', non-UTF-8 bytes), except that rsync skips a name
//     starting with '#' or ';' as a comment even with --from0, so those get
//     a "./" prefix. Verified against rsync 3.5.0: -a does not imply -r with
//     --files-from, so a listed directory is created but not entered; a new
//     directory is listed with everything below it that Keep keeps (the sink
//     walks it; -r would also descend into every directory whose mode
//     changed). A listed path the source no longer has is deleted on the
//     target (--delete-missing-args) and nothing else is; a non-empty
//     directory only with --force (without it rsync says "cannot delete
//     non-empty directory" and still exits 0). --files-from implies
//     --relative, so missing parents are created, and filter rules apply to
//     listed names too. rsync resolves a listed "a/b" through a symlink "a"
//     (and would send what it points to), so paths whose source parents are
//     not directories are left out. With Delete off the run takes
//     --ignore-missing-args instead, Delete events are no-ops and moves copy.
//
//     This run's arguments are the same for every batch, so it can start
//     ahead (Prepare, which the pool calls when a batch is due within
//     250 ms): rsync connects, authenticates and negotiates, then waits for
//     its list on stdin, and the batch only writes it. rsync reads nothing
//     of the source before the list, so what it sends is the state when
//     the batch came. A run no batch comes for within a second gets an
//     empty list and exits 0; one that exits early (the target is down)
//     stops further starts ahead until a run succeeds, and one that fails
//     to connect when its batch comes is replaced by a new run at once.
//
//  3. The source root's own attributes, when the batch changes them, in a
//     run of their own: "--dirs --filter='- /*' -- SRC/ DST/". (Listing "."
//     would send every top-level entry with it.)
//
//  4. The Rescans: a full sync (the Rescan of "") in a run of its own, and
//     every subtree Rescan of the batch in one run (up to 256 paths or
//     64 KiB of them a run), so that a burst of directories renamed where
//     the target cannot follow costs one run, not one each:
//
//     rsync ARGS --recursive --relative --delete --delete-missing-args --force
//     [--from0 --exclude-from=-] FILTERS -- SRC/./PATH1 SRC/./PATH2 ... DST/
//
//     The "/./" marker names each PATH from the source root, so an anchored
//     exclude ("/cache/") means what it means in a full sync, missing
//     parents are created, --delete works inside PATH only (verified: strays
//     beside PATH's parents stay), and a PATH the source no longer has is
//     deleted. With WalkForKeep set, the sink walks the subtree (and a local
//     target's) and sends an anchored, escaped exclude for each path Keep
//     drops; rsync leaves excluded target files alone. A remote target is not
//     listed, so a file only it has is protected by Excludes, not by Keep.
//     A full sync narrowed by an event.Scope (a scheduled one with excludes
//     of its own) adds the scope's patterns as --filter rules after the
//     sync's own, so rsync neither sends nor deletes what they exclude.
//
// # Shared ssh connections
//
// Every ssh an SSH target runs (the move script's, and rsync's through -e)
// carries "-o ControlPath=SOCK -o ControlMaster=no", and a master
//
//	ssh SSHARGS -o ControlPath=SOCK -o ControlMaster=yes -o ControlPersist=60 -N USER@HOST
//
// holds one authenticated connection that each of them opens a session on
// (see master.go). SOCK is $XDG_RUNTIME_DIR/luasync/PID-N, else
// $TMPDIR/luasync-UID/PID-N, in a directory that must be 0700 and ours. A
// client finding no socket connects on its own, so a run never waits for
// or fails on the master; the first run that finds none starts it in the
// background. The master forks once authenticated and exits after 60 s
// without a session, or at Close. Left out when ssh = { multiplex = false
// }, with rsh, when ssh{} sets any Control* option itself, and when the
// binary is not OpenSSH's (ssh -V).
//
// # Results
//
// Every path of a run shares its fate, by ExitClass: OK (0, and 24,
// vanished files: the watcher reports what replaced them), Retry, or
// Fatal, reported as event.Fail and logged as an error that says the
// command must change. Exit 23 (partial) is narrowed by reading stderr:
// a line naming a listed path (or rsync's temporary file for it, or a path
// below a new directory) retries the event that listed it; if any error
// line names no listed path, or none names one, the whole run is retried.
// Retrying is always safe: events are applied by state, never replayed.
// The password stays in its file: neither argv nor stderr, which are
// logged, hold it.
//
// A limit inherited from rsync: its quick check compares size and mtime,
// so a file replaced by another of the same size and the same mtime (to
// the kernel's clock tick) is not resent. It takes a move onto a file on a
// daemon target, or a rewrite racing a run, with both versions written in
// the same few milliseconds.
package rsync

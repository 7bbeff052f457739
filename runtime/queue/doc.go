// Package queue is the per-sink merging queue: it sits between the watcher's
// fan-out (which Pushes events into one Queue per sink) and package sink's
// worker pool (which Takes batches, applies them, Requeues what a sink asked
// to retry, and calls Done). It merges repeated changes to a path into one,
// keeps every path's changes in order, hands out ready work in batches, and
// never lets two batches in flight touch the same path.
//
// A Queue is passive and single-owner: not safe for concurrent use, and it
// never reads the clock (every call that depends on time takes now). The
// pool holds a mutex around it, sets a timer to NextReady, and calls Take
// when the timer fires and after every Done.
//
// # What events mean
//
// Sinks apply events by state: Create, Modify and Attrib mean "make the
// target's copy of Path match the source as it is now" (non-recursively for
// a directory). Delete removes Path and everything below it. Move renames
// From to Path on the target, replacing whatever Path held, then syncs Path
// as for Modify; if From is missing it only syncs Path (a retried rename
// that already happened). Rescan makes the target's subtree at Path
// identical to the source's. A sink creates missing parent directories.
//
// A directory Move handed out is marked Over when the target may still hold
// an older directory at its Path (a move away from Path pending or earlier
// in the same batch, work in flight at, below or above it, a Create of it
// that just landed): a sink that cannot rename must then clear Path, not
// add to it.
//
// The queue relies on that, and in return it never emits a directory Move
// whose From it cannot vouch for: when in-flight or pending work leaves the
// target's copy of From uncertain, the move becomes a Delete of From and a
// Rescan of Path (a Modify for a file, whose sync after the rename fixes
// its content anyway).
//
// # Entries and order
//
// Entries are keyed by Path. Each has an op, From (Move), whether it is a
// directory, a size, its first and last change times, a notBefore, an
// attempt count, whether the target may already hold the path (mayExist,
// below), and a seq: an insertion counter that orders the queue. Take emits
// in seq order. A Create, Delete or Move of a directory and any Rescan reach
// below their path ("subtree" ops); Delete, Rescan and a directory Move also
// clear what the target holds below it. So does a file change that lands
// where the target may still hold a directory (a Modify after a Delete, a
// file Move or Create onto a deleted path): applied by state, it replaces
// that directory, so it waits like a Delete for work below the path.
//
// # The merge table
//
// X is the pending entry at the path, Y the new event (x->p and y->p for
// moves). "Rescan" results absorb what is pending below the path.
//
//	X \ Y    Create        Modify        Attrib        Delete          Move y->p        Rescan
//	none     Create*       Modify        Attrib        Delete          Move y->p        Rescan
//	Create   Create        Create        Create        nothing**       Move y->p        Rescan
//	Modify   Modify        Modify        Modify        Delete          Move y->p        Rescan
//	Attrib   Modify        Modify        Attrib        Delete          Move y->p        Rescan
//	Delete   Modify/Rescan Modify/Rescan Modify/Rescan Delete          Move y->p        Rescan
//	Move x   Move x->p     Move x->p     Move x->p     Delete x, p***  Delete x, Move   Delete x, Rescan
//	Rescan   Rescan        Rescan        Rescan        Rescan          Rescan, Delete y Rescan
//
// "Modify/Rescan": Modify for a file, Rescan for a directory: the target may
// still hold the old directory's children, which only a Rescan removes.
// Delete + Create/Modify/Attrib is new work and takes a new seq, so it
// follows whatever arrived since the delete (its parent's Create, say); the
// file Modify it makes replaces whatever the target holds, maybe an old
// directory, so like a Delete it waits for older moves out of the path.
//
// * A Create knows the target does not hold the path, unless something may
// have put it there (mayExist): the watcher says so (event.MayExist: renamed
// in from outside, maybe over an old file), in-flight work at, above or below it, a
// pending move away from it, pending work below it, a pending Rescan,
// Delete or uncertain Create above it, or a Create of the same path that
// landed moments ago (the newest 8192 are remembered: a new directory's
// scan and the kernel can both report one file, and the first may already
// be applied when the second arrives), or a directory above it whose Create
// was taken while it waited (a sink may send a new directory with what it
// holds, as the rsync sink does).
//
// A directory's Create pushed while a Rescan at or above it is in flight is
// pushed as a Rescan of it: the full sync may have copied an older state of
// the new directory, with files since moved out of it.
//
// ** Create + Delete vanishes only without mayExist; otherwise it is Delete.
// A Create that reappears as the other kind (file or directory) is a new
// Create; Modify/Attrib followed by a Create of the other kind is a type
// change and merges as Delete then Create.
//
// *** A Move into a path the target may hold (anything but a pending,
// certain Create) leaves a Delete of it; without mayExist, only the delete
// of x remains. The delete of a dropped move's From (x) is merged as an
// older change at x: if x has a pending entry E (something new at x), E
// stays, merged as if the delete came first (a Create becomes a Modify, as
// the target still holds the old x). With no entry, the delete takes the
// dropped move's seq; it is skipped if a newer Delete, Rescan or rename
// onto an ancestor clears x anyway, and if newer renames of an ancestor of
// x come first (carrying the old x along), x is instead synced by a Rescan
// where they take it ("landing"). Every by-state resync of an old path that
// the queue makes up (for dropped or requeued moves) follows the same rule.
//
// Other merges keep the entry's seq and first change time; last change
// becomes now.
//
// # Subtrees
//
// A Delete of P removes the pending entries strictly below P (a move into P
// from outside leaves the delete of its From) and then merges at P. A new
// Rescan of P does the same to everything at or below P and takes a new seq.
// Moves out of P (From below P, Path outside) stay: they are older and run
// first, as P's Delete, Rescan or rename waits for older moves out of it.
//
// A Move a->b: the entry at a goes: a Create makes the result a Create of b
// (a new directory only if nothing is pending or in flight at b, nor in
// flight above it, which may be copying b, else the
// move is degraded, see above); a Move z->a makes it Move z->b, plus a
// Delete of a if the target may hold an old a; Modify and Attrib are
// dropped; Delete and Rescan (and any Create the target may hold) degrade
// the move. The entry at b is replaced (a replaced Move leaves the delete
// of its From); a Rescan at b degrades the move (Rescan b, Delete a). For a
// directory, what is pending below b is dropped (the rename replaces it),
// but for Creates, Modifies and Attribs: a rename replaces only an empty
// directory, so what they say is there came with the moved one (reported
// at its new name before the rename that took it there); they follow the
// move with new seqs, a Create made uncertain. What is pending below a is
// re-keyed below b, From included when inside a, with new seqs after the
// move. The result takes a new seq. A
// move whose merged or re-keyed form would overtake newer work at its From,
// or that newer moves out of its Path rely on, is degraded instead.
//
// When a pending move is dropped (its Path deleted, rescanned or renamed
// over), the newer moves out of its Path relied on its rename: each becomes
// a sync of its own Path (a Rescan for a directory), and so on down.
//
// # Narrowed Rescans
//
// A Rescan of the root may carry an event.Scope: a scheduled full sync with
// excludes of its own, which neither copies nor deletes what they exclude.
// It therefore supersedes nothing: what is pending below it stays (older
// moves out of it go first, as for any Rescan; other older entries run
// before or after it, by state), in-flight work below it is not covered,
// and it does not clear the old path of a dropped move, which gets its
// delete. Once it is taken, the Creates and Moves still pending below it
// count as ones the target may hold: it may have copied them. A pending
// Rescan of the root stays when a narrowed one is pushed (a plain one does
// more; a narrowed one is the same request, not started yet); a plain one
// pushed later absorbs it. A requeued narrowed Rescan comes back narrowed.
// A Scope on any other Rescan is dropped: that Rescan is plain.
//
// # Requeue
//
// A requeued event R is older than what arrived while it was in flight, and
// the sink may have applied part of it; Requeue must come before the Done of
// its batch. If a later directory rename of its own batch took an ancestor
// of R's paths along (with whatever R failed to do there), R's paths, old
// and new, are synced by Rescans. If a Delete, Rescan or directory rename
// of an ancestor arrived meanwhile, or R's path was renamed away, R is moot
// and dropped (a Move leaves the delete of its From). A Rescan is pushed again as a new Rescan.
// A Delete or Move that shares paths with later events of its own batch
// (which the sink may have applied after R failed) is replaced by Rescans of
// its paths, as replaying it could undo their newer state. Otherwise R is
// merged with the newer entry N at its path by the merge table, R as the
// older change (requeued Delete + pending Create = Modify; requeued Modify
// + pending Delete = Delete; requeued Move a->b + pending Modify b = Move
// a->b), and R's Create counts as one the target may hold. The result keeps
// R's old seq when it is R's own subtree op or move (what arrived below it
// or at its From must still follow it), else N's seq; alone, a file-level
// Create/Modify/Attrib takes a new seq, anything else R's old one. Attempts
// grows by one; the larger count survives a merge.
//
// # Readiness and blocking
//
// An entry is ready when now >= notBefore and its settle time has come
// (Delay after its last change, or MaxWait after its first), or when Len()
// >= MaxPending at the start of a Take (notBefore still holds), or when it
// was flushed. A file Create marked Open (made by open(2), still being
// written) settles at MaxWait after its first change, unless the Modify of
// its close-write comes first: shipping it earlier would send a partial
// file and then the whole file again. It is blocked while an in-flight event touches its Path or
// From, works on the subtree of an ancestor, or (for a subtree op) touches
// anything below it; in flight, any change of a directory counts as working
// on its subtree, since the source may turn it into a file before the sink
// looks, and the sink then replaces the whole directory. It is also blocked
// while an older pending entry conflicts with it in the same way, or, for
// an op that clears its subtree, an older move out of it is pending, unless
// that entry is taken earlier in the same batch. So a directory's Create
// comes before everything that arrived after it below it, and batches never
// share a path. (An older by-state change below a newer Create, such as the
// resync of a previous incarnation of a path, may go first: harmless.)
//
// Blocked entries are parked on what blocks them and woken when it is taken,
// changes or lands, so Take costs O(log n + depth) per entry it hands out,
// parks or finds not due, never O(pending). Pushing a file event costs one
// map lookup and a heap update when the path is pending, O(depth) when new.
// Subtree operations cost O(entries in the subtree): a path index with
// per-directory counts keeps them from scanning the queue.
package queue

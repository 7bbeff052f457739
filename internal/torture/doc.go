// Package torture is the generator behind the randomized differential
// test of cmd/luasync (TestTorture): seeded writers that do to a source tree
// what users do, at full speed and with random pauses, while luasync mirrors
// it, so that the mirror can then be compared with the source.
//
// Each writer owns one top-level directory (w0/, w1/, ...) and keeps a model
// of it, so that every operation it picks is valid and its sequence of
// operations depends only on the seed: the same seed replays the same
// operations, whatever the timing. Operations are file creates, writes,
// appends, truncations and in-place rewrites; mkdir -p of deep chains written
// into at once; renames of files and directories (within and across
// directories, into fresh directories, over existing files, swaps through a
// temporary name, a directory renamed twice or moved out and back, and the
// pattern that breaks watchers: a directory created, filled and renamed
// within milliseconds, then written into later); deletes of files and whole
// trees; chmod and mtime changes; symlinks created, retargeted and deleted;
// and odd names (spaces, newlines, quotes, leading dashes, $(...), bytes
// that are not UTF-8, 255-byte names).
//
// Every operation is one line in an OpLog, with its paths quoted by
// strconv.Quote, so that a failure can be read and the seed that caused it
// reproduced. Verify checks that the tree on disk is the one the model
// describes: the generator's own correctness, and a guard against anything
// else writing into the source.
//
// The package knows nothing of luasync: it writes files. Names never match
// the default junk patterns of package filter, so everything it writes is
// meant to be mirrored.
package torture

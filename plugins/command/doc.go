// Package command is luasync's built-in command plugin: sersync's
// "command" plugin, without its shell injection.
//
// For every event it runs a command with the file's absolute path as one
// argument:
//
//	prefix... /source/the/file suffix...
//
// The command is exec'd directly, so a file name is one argv entry
// whatever bytes it holds (spaces, newlines, quotes, leading dashes,
// "$(...)", non-UTF-8). With shell = true, prefix and suffix are shell
// text, and the path reaches the shell only as "$1":
//
//	sh -c '<prefix> "$1" <suffix>' sh /source/the/file
//
// The exit status decides the event's result: 0 is OK, a status listed in
// retryOn (default 75, EX_TEMPFAIL), death by a signal and a timeout are
// Retry, anything else is Fail (or OK with ignoreError). Its output goes
// to luasync's log (the first 4 KiB of each stream), and the last line of
// its stderr into a failure's reason.
//
// Every command also sees the event in its environment:
//
//	LUASYNC_OP       create, modify, attrib, delete, move or full
//	LUASYNC_PATH     the path relative to the source ("" for the whole source)
//	LUASYNC_ABSPATH  the absolute path (the argument)
//	LUASYNC_SOURCE   the sync's source directory
//	LUASYNC_FROM     a move's old path, relative (moves only)
//	LUASYNC_ABSFROM  a move's old path, absolute (moves only)
//	LUASYNC_ISDIR    1 for a directory, else 0
//	LUASYNC_SYNC     the sync's name
//
// It runs in the source directory, with stdin from /dev/null, in a process
// group of its own.
//
// Commands run in parallel, up to workers at once across all batches, but
// an event waits for every earlier event of its batch on the same path, a
// parent or a child, so a directory's create runs before its files' and
// a file's events run in the order the batch gives them.
//
// The luasync binary serves it (`luasync plugin serve command`); the host
// in runtime/pluginhost feeds it, and Options is its part of the Lua
// config.
package command

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
// Retry, anything else is Fail (or OK with ignoreError). Every command
// also sees the event in its environment (LUASYNC_OP, LUASYNC_PATH, ...;
// see Options).
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

// Package tool says how the sync benchmark starts each tool it compares:
// luasync, lsyncd with its default config, lsyncd tuned (short delay, four
// processes) and the classic `inotifywait -mrq | while read; do rsync; done`
// loop from the seed articles. It renders their config files and command
// lines, and the wrapper script that counts rsync runs.
//
// Rendering is pure (strings in, strings out) so it is unit-tested; package
// rsyncd provides the daemon the tools sync to, and cmd/benchsync runs the
// tools under process accounting.
package tool

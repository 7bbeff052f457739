// Package config holds luasync's configuration as plain Go structs: what
// package luavm produces from a Lua file and what package daemon consumes.
// It imports no Lua. Defaults live here (Defaults, Sync.ApplyDefaults), and
// Validate checks everything that can be checked before anything runs, so a
// mistake is reported with its file, line and key and exit status 2. Validate
// compiles each sync's patterns with package filter, so a bad pattern is
// reported before the daemon starts, and reads rsync targets, flags and
// password files with package rsync's own parsers and checks (a target
// written for a tunnel with package tunnel's placeholders filled in).
package config

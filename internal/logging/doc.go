// Package logging holds luasync's own slog handlers: the line format of
// lsyncd's log (what a script that reads lsyncd's console or log file
// expects) and syslog (lsyncd's logfacility and logident), both built on one
// handler that renders a record once and hands the line to any number of
// outputs.
//
// The command (cmd/luasync) picks the handlers: `luasync run` keeps slog's
// key=value lines and adds syslog when a config asks for it; the lsyncd
// command line writes lsyncd's lines where lsyncd would.
package logging

// Package lsyncdcli reads lsyncd 2.3's command line, so that a unit file,
// init script or test harness written for lsyncd runs luasync unchanged:
// options anywhere among the arguments, with one dash or two, each taking
// as many values as lsyncd's takes; `-log` checked before anything else;
// `-help` wherever it is; `-version` as soon as it is reached.
//
// Parse turns the arguments into Options. Options.Build makes the config of
// the config-less forms (-rsync, -rsyncssh, -direct) in Go, as lsyncd's
// sync{ default.rsync, source = ..., target = ... } would, and Options.Apply
// lays the options over a config, as lsyncd lets its command line override
// settings{}. The command itself (cmd/luasync, cmd_lsyncd.go) loads the
// config, runs it, and maps the outcome to lsyncd's exit statuses.
package lsyncdcli

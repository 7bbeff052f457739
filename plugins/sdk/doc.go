// Package sdk is what a luasync plugin imports.
//
// A plugin is a program that luasync starts as a subprocess and feeds
// batches of file events over gRPC (hashicorp/go-plugin). It implements
// Plugin and calls Serve from main:
//
//	func main() { sdk.Serve(&hook{}) }
//
// The host calls Info once, Configure once with the plugin's table from
// the Lua config, then Handle for every batch. Handle reports a Result per
// event: OK, Retry (with backoff, then the fail log) or Fail (the fail log
// at once). An event the plugin does not report on is retried: delivery is
// at least once, so handling an event twice must do no harm.
//
// Config reads the plugin's table with typed getters that remember every
// mistake by key; Configure returns cfg.Err(), and `luasync check` shows
// each mistake with the config file and line.
//
// Log, from inside a plugin, writes log lines that the host merges into
// luasync's own log. Package sdk/sdktest runs a plugin in-process over a
// real gRPC connection, for tests.
//
// The wire protocol is package pluginv1 (luasync.plugin.v1); a plugin in
// another language implements that and go-plugin's handshake (see
// docs/plugins.md). This package imports nothing from luasync's runtime:
// a plugin's build pulls in no Lua, cron or watcher code.
package sdk

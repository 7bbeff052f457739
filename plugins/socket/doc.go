// Package socket is luasync's built-in socket plugin: sersync's "socket"
// plugin, which tells a listener about every change.
//
// It keeps one stream connection (TCP, or a Unix socket) to the listener,
// opened on the first batch and opened again, with backoff, after an
// error. Each event becomes one line:
//
//	{"op":"create","path":"docs/a.txt","isdir":false,"sync":"www","time":"2026-12-03T10:00:00.000000005Z"}
//
// (format "json", the default), or the absolute path and a newline, as
// sersync sent it (format "sersync"). Lines are written in the order
// events arrive. An event is done once its line was written to the socket
// without error; anything not written (the listener gone, a write error,
// the buffer full) is retried, so a listener sees each event at least
// once, and sees a retried event after the events that followed it.
//
// Delivery ends at the kernel: the protocol has no acknowledgements, so
// a line written just before the listener dies may be lost. The plugin
// notices a listener that closed the connection before it writes again,
// and reconnects. A write that fails part way leaves the listener an
// unterminated last line before the connection closes: a listener drops
// it (its event is retried). What a listener sends back is read and
// dropped; a listener must not shut down its side while it still reads.
//
// The luasync binary serves it (`luasync plugin serve socket`); the host
// in runtime/pluginhost feeds it, and Options is its part of the Lua
// config.
package socket

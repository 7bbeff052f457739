// Package pluginhost starts, supervises and feeds plugin subprocesses.
//
// A plugin is a program spoken to over gRPC with hashicorp/go-plugin, in
// the protocol of package plugins/sdk. A Host is one plugin process on one
// sync: the sync's worker pool (package sink) calls Host.Apply as it calls
// any sink, and the Host turns each batch into Handle calls of at most
// Info.MaxBatch events, at most Info.MaxInFlight at once.
//
// The lifecycle:
//  1. Check (`luasync check`): start, Info, Configure with Check set, stop.
//  2. Start: start, Info, Configure; the process stays up.
//  3. Apply, from any number of workers; Run pings the plugin meanwhile.
//  4. A process that dies or hangs is killed and restarted with backoff,
//     and the events it had not acknowledged are sent again to the new one
//     (delivery is at least once).
//  5. Close stops it.
//
// Only this package and plugins/sdk import go-plugin; package daemon wires
// a Host into a sync, and the config decides which plugins run.
package pluginhost

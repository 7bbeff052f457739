// Package tunnel starts and supervises the processes of lsyncd 2.3's
// tunnel{ ... }: usually "ssh -N -L localhost:^localport:localhost:873
// user@host", so that rsync reaches a remote rsync daemon through a local
// port. It hands out an Endpoint (host and port) for each transfer, round
// robin over the processes that are ready, and reports whether the tunnel
// is up, so a sink's pool can hold its batches back while it is not.
//
// Lifecycle, driven by Run on one goroutine:
//
//  1. Each slot (one in command mode, Parallel in pool mode) starts its
//     command; in pool mode with a free 127.0.0.1 port substituted for
//     ^localport (Expand), a new one at every start. argv only, never a
//     shell.
//  2. A process is ready once it has run ReadyDelay, or, with a
//     CheckCommand, once its latest check exited with one of
//     CheckExitCodes. Checks run ReadyDelay after the start and then every
//     ReadyDelay for as long as the process runs; a process whose check
//     fails more than CheckMaxFailed times in a row is stopped.
//  3. A process that exits (or could not start) is started again
//     RetryDelay later.
//  4. The tunnel is Up while at least one process is ready, Connecting
//     while processes run but none is ready, Down while none runs.
//  5. When Run's context ends, every process gets SIGTERM (to its process
//     group), then SIGKILL after KillGrace.
//
// Time is read from Options.Clock, so tests move it by hand and never sleep
// for a timer; the processes themselves are real.
//
// Neighbours: package config holds the options as the config wrote them
// (package luavm reads tunnel{ ... }); package daemon builds one Tunnel per
// tunnel{} that a sync uses, gives it to the pools of those syncs (as their
// gate) and to their rsync sinks (which fill ^localhost and ^localport in
// their targets per batch), and shows its Status in the status file.
package tunnel

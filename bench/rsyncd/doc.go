// Package rsyncd runs the rsync daemon every tool in the sync benchmark
// syncs to: `rsync --daemon --no-detach` on 127.0.0.1 and a free port, with
// one module, an auth user and a secrets file, all written to a private
// directory. One daemon per run keeps its CPU figure (the receiving side)
// separate for each tool and scenario.
//
// cmd/benchsync starts it; package tool renders the clients' configs with
// its URL and password file.
package rsyncd

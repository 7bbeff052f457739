package config

import (
	"strconv"
	"time"
)

// The per-sync defaults. Delay is the batching window, as in lsyncd, but
// a window that opens on the first change rather than one that every change
// waits out: a sink idle for Delay ships a change as soon as it has been
// quiet for Settle; while changes keep coming it starts at most one batch
// per Delay (unless the last was full), so they go out together. lsyncd's 15
// s default is what makes it feel slow. 120 ms is the trade-off measured in
// bench/: at 200 files/s it makes one rsync run of 24 files, and a file
// still reaches a daemon target within 0.14 s at p99. Settle lets an editor's
// write-rename-chmod arrive as one change. MaxWait bounds how long a path
// that never stops changing, or a file still open for writing, goes
// unsynced.
const (
	Settle               = 10 * time.Millisecond
	DefaultDelay         = 120 * time.Millisecond
	DefaultMaxWait       = 2 * time.Second
	DefaultBatchFiles    = 1000
	DefaultBatchBytes    = 64 << 20
	DefaultRetryAttempts = 5
	DefaultRetryInitial  = time.Second
	DefaultRetryMax      = 60 * time.Second
)

// Defaults returns the settings a config starts from before its settings{}
// table is applied.
func Defaults() Settings {
	return Settings{
		InotifyMode:    CloseWrite,
		MaxProcesses:   2,
		StatusInterval: 10 * time.Second,
		ShutdownGrace:  5 * time.Second,
		LogLevel:       "info",
	}
}

// ApplyDefaults gives every tunable of s its default: Delay, MaxWait,
// Workers (set.MaxProcesses, at least 1), BatchFiles, BatchBytes, Init and
// Delete (both true) and Retry. Name becomes "sync#N" (N = Index+1) when it
// is empty. Source, Target, Kind, the filters, Index and Pos are left alone.
//
// Tunables are overwritten, not filled in where zero: Init and Delete default
// to true, so a zero value cannot mean "unset", and a config that says
// workers = 0 must reach Validate as 0. Call ApplyDefaults on a new Sync
// first, then set what the config says, as package luavm does.
func (s *Sync) ApplyDefaults(set Settings) {
	s.Delay = DefaultDelay
	s.MaxWait = DefaultMaxWait
	s.Workers = max(set.MaxProcesses, 1)
	s.BatchFiles = DefaultBatchFiles
	s.BatchBytes = DefaultBatchBytes
	s.Init = true
	s.Delete = true
	s.Retry = Retry{Attempts: DefaultRetryAttempts, Initial: DefaultRetryInitial, Max: DefaultRetryMax}
	if s.Name == "" {
		s.Name = "sync#" + strconv.Itoa(s.Index+1)
	}
}

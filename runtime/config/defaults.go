package config

import (
	"strconv"
	"time"
)

// The per-sync defaults. Delay is a settle time, not the batching
// mechanism: a path ships once it has been quiet that long, which is what
// lets an editor's write-rename-chmod arrive as one change. Batching comes
// from the pool: a sink takes everything that is ready when it has a free
// worker, but starts at most one batch per BatchInterval unless the last
// one was full, so a steady trickle of changes goes out in few runs while
// a sink that has been idle ships a change at once. lsyncd's 15 s window
// is what makes it feel slow; 120 ms is the trade-off measured in bench/:
// at 200 files/s one rsync run carries 24 files, and a file reaches a
// daemon target within 0.14 s at p99. MaxWait bounds how long a path that
// never stops changing, or a file still open for writing, goes unsynced.
const (
	DefaultDelay         = 10 * time.Millisecond
	DefaultBatchInterval = 120 * time.Millisecond
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
// BatchInterval, Workers (set.MaxProcesses, at least 1), MaxDelays
// (set.MaxDelays), BatchFiles, BatchBytes, Init, Delete and FullDelete
// (all true) and Retry. Name becomes "sync#N" (N = Index+1) when it
// is empty. Source, Target, Kind, the filters, Index and Pos are left alone.
//
// Tunables are overwritten, not filled in where zero: Init and Delete default
// to true, so a zero value cannot mean "unset", and a config that says
// workers = 0 must reach Validate as 0. Call ApplyDefaults on a new Sync
// first, then set what the config says, as package luavm does.
func (s *Sync) ApplyDefaults(set Settings) {
	s.Delay = DefaultDelay
	s.MaxWait = DefaultMaxWait
	s.BatchInterval = DefaultBatchInterval
	s.Workers = max(set.MaxProcesses, 1)
	s.BatchFiles = DefaultBatchFiles
	s.BatchBytes = DefaultBatchBytes
	s.Init = true
	s.Delete = true
	s.FullDelete = true
	s.MaxDelays = set.MaxDelays
	s.Retry = Retry{Attempts: DefaultRetryAttempts, Initial: DefaultRetryInitial, Max: DefaultRetryMax}
	if s.Name == "" {
		s.Name = "sync#" + strconv.Itoa(s.Index+1)
	}
}

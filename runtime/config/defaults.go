package config

import (
	"strconv"
	"time"
)

// The per-sync defaults. Delay is a settle time, not a batching window:
// lsyncd's 15 s default is what makes it feel slow, while batching here comes
// from the queue handing a sink everything that is ready whenever the sink
// has a free worker. 100 ms lets an editor's write-rename-chmod sequence
// settle into one event; MaxWait bounds how long a path that never stops
// changing (a growing log in Modify mode) can go unsynced.
const (
	DefaultDelay         = 100 * time.Millisecond
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

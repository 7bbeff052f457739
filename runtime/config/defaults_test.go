package config

import (
	"reflect"
	"testing"
	"time"
)

// TestDefaults is the specification of what a config gets when it says
// nothing.
func TestDefaults(t *testing.T) {
	set := Defaults()
	want := Settings{
		InotifyMode:    CloseWrite,
		MaxProcesses:   2,
		StatusInterval: 10 * time.Second,
		ShutdownGrace:  5 * time.Second,
		LogLevel:       "info",
	}
	if set != want {
		t.Errorf("Defaults() = %+v\nwant %+v", set, want)
	}

	s := Sync{Index: 2, Kind: "direct", Source: "/s", Target: "/t"}
	s.ApplyDefaults(set)
	got := s
	wantSync := Sync{
		Index: 2, Kind: "direct", Source: "/s", Target: "/t",
		Name:          "sync#3",
		Delay:         10 * time.Millisecond,
		MaxWait:       2 * time.Second,
		BatchInterval: 120 * time.Millisecond,
		Workers:       2,
		BatchFiles:    1000,
		BatchBytes:    64 << 20,
		Init:          true,
		Delete:        true,
		FullDelete:    true,
		Retry:         Retry{Attempts: 5, Initial: time.Second, Max: time.Minute},
	}
	if !reflect.DeepEqual(got, wantSync) {
		t.Errorf("ApplyDefaults gave %+v\nwant %+v", got, wantSync)
	}
}

func TestApplyDefaultsKeepsName(t *testing.T) {
	s := Sync{Name: "www"}
	s.ApplyDefaults(Settings{MaxProcesses: 7})
	if s.Name != "www" || s.Workers != 7 {
		t.Errorf("got name %q workers %d, want www and 7", s.Name, s.Workers)
	}
	s.ApplyDefaults(Settings{})
	if s.Workers != 1 {
		t.Errorf("MaxProcesses 0 gave Workers %d, want 1", s.Workers)
	}
}

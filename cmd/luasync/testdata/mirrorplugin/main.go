// Command mirrorplugin is a third-party plugin that keeps a mirror with
// package direct: the torture test's "plugin" sink. A mirror is the
// strictest check of a plugin's events: a change that never reaches the
// plugin, or reaches it wrong (a move's names, a lost directory), shows as
// a difference between the trees. Config: target (the mirror directory);
// started (a file made at the first start, and kept up to date with how
// many events were applied since the last crash); crash_every (apply a
// batch and exit without answering when at least this many events were
// applied since the last crash, across restarts: luasync must restart the
// plugin and send the batch again, which then goes through).
//
// At its first start it brings the mirror level with a full sync (a
// plugin gets no startup sync of its own; luasync watches the source by
// then, so what changes meanwhile follows as events). A restart does not:
// it must get what it missed from luasync.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/luasync/luasync/plugins/sdk"
	"github.com/luasync/luasync/runtime/direct"
	"github.com/luasync/luasync/runtime/event"
)

type mirror struct {
	sink       *direct.Sink
	crashEvery int
	started    string
	applied    int // since the last crash, kept in started
}

var _ sdk.Plugin = (*mirror)(nil)

func main() { sdk.Serve(&mirror{}) }

func (m *mirror) Info() sdk.Info { return sdk.Info{Name: "mirrorplugin", Version: "1.0"} }

func (m *mirror) Configure(ctx context.Context, cfg *sdk.Config) error {
	target := cfg.Required("target")
	m.crashEvery = cfg.Int("crash_every", 0, 0, 1<<30)
	started := cfg.String("started", "")
	if err := cfg.Err(); err != nil || cfg.Check {
		return err
	}
	s, err := direct.New(cfg.Source, target, direct.Options{Delete: true, FullDelete: true, Logger: sdk.Log})
	if err != nil {
		return err
	}
	m.sink = s
	m.started = started
	if started != "" {
		if b, err := os.ReadFile(started); err == nil {
			m.applied, _ = strconv.Atoi(string(b))
			return nil // a restart
		}
	}
	if r := s.Apply(ctx, event.Batch{{Op: event.Rescan, IsDir: true}}); r[0].Outcome != event.OK {
		return fmt.Errorf("first full sync to %s: %w", target, r[0].Err)
	}
	return m.save()
}

// save writes how many events were applied since the last crash.
func (m *mirror) save() error {
	if m.started == "" {
		return nil
	}
	return os.WriteFile(m.started, []byte(strconv.Itoa(m.applied)), 0o644)
}

var ops = map[sdk.Op]event.Op{sdk.Create: event.Create, sdk.Modify: event.Modify, sdk.Attrib: event.Attrib,
	sdk.Delete: event.Delete, sdk.Move: event.Move, sdk.Full: event.Rescan}

func (m *mirror) Handle(ctx context.Context, events []sdk.Event) []sdk.Result {
	if m.sink == nil {
		return sdk.All(events, sdk.Retry, errors.New("not configured"))
	}
	// A move sent again may have been made already, and since then From
	// may hold something new: made again, it would move that. Apply it as
	// what it comes to instead, a delete of From and a change of all of
	// Path. of maps each applied event to the one it stands for.
	var batch event.Batch
	var of []int
	for i, ev := range events {
		e := event.Event{Op: ops[ev.Op], Path: ev.Path, From: ev.From, IsDir: ev.IsDir}
		if ev.Op == sdk.Move && ev.Again {
			whole := event.Event{Op: event.Modify, Path: ev.Path}
			if ev.IsDir {
				whole = event.Event{Op: event.Rescan, Path: ev.Path, IsDir: true}
			}
			batch = append(batch, event.Event{Op: event.Delete, Path: ev.From, IsDir: ev.IsDir}, whole)
			of = append(of, i, i)
			continue
		}
		batch = append(batch, e)
		of = append(of, i)
	}
	results := m.sink.Apply(ctx, batch)
	if m.crashEvery > 0 && m.applied >= m.crashEvery {
		m.applied = 0
		if err := m.save(); err == nil {
			sdk.Log.Warn("mirrorplugin: crashing as told, the batch applied and unanswered", "events", len(events))
			os.Exit(3)
		}
	}
	m.applied += len(events)
	if err := m.save(); err != nil {
		return sdk.All(events, sdk.Retry, err)
	}
	out := make([]sdk.Result, len(events))
	for i, ev := range events {
		out[i] = sdk.Done(ev)
	}
	for j, r := range results {
		o := &out[of[j]]
		if r.Outcome != event.OK && worse(outcomes[r.Outcome], o.Outcome) {
			o.Outcome = outcomes[r.Outcome]
			if r.Err != nil {
				o.Reason = r.Err.Error()
			}
		}
	}
	return out
}

// worse orders outcomes: Fail over Retry over OK.
func worse(a, b sdk.Outcome) bool {
	rank := map[sdk.Outcome]int{sdk.OK: 0, sdk.Retry: 1, sdk.Fail: 2}
	return rank[a] > rank[b]
}

var outcomes = map[event.Outcome]sdk.Outcome{event.OK: sdk.OK, event.Retry: sdk.Retry, event.Fail: sdk.Fail, event.Stop: sdk.Fail}

// Command mirrorplugin is a third-party plugin that keeps a mirror with
// package direct: the torture test's "plugin" sink. A mirror is the
// strictest check of a plugin's events: a change that never reaches the
// plugin, or reaches it wrong (a move's names, a lost directory), shows as
// a difference between the trees. Config: target (the mirror directory).
// At Configure it brings the mirror level with a full sync (a plugin gets
// no startup sync of its own); luasync watches the source by then, so
// what changes meanwhile follows as events.
package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/luasync/luasync/plugins/sdk"
	"github.com/luasync/luasync/runtime/direct"
	"github.com/luasync/luasync/runtime/event"
)

type mirror struct{ sink *direct.Sink }

var _ sdk.Plugin = (*mirror)(nil)

func main() { sdk.Serve(&mirror{}) }

func (m *mirror) Info() sdk.Info { return sdk.Info{Name: "mirrorplugin", Version: "1.0"} }

func (m *mirror) Configure(ctx context.Context, cfg *sdk.Config) error {
	target := cfg.Required("target")
	if err := cfg.Err(); err != nil || cfg.Check {
		return err
	}
	s, err := direct.New(cfg.Source, target, direct.Options{Delete: true, FullDelete: true, Logger: sdk.Log})
	if err != nil {
		return err
	}
	m.sink = s
	if r := s.Apply(ctx, event.Batch{{Op: event.Rescan, IsDir: true}}); r[0].Outcome != event.OK {
		return fmt.Errorf("first full sync to %s: %w", target, r[0].Err)
	}
	return nil
}

var ops = map[sdk.Op]event.Op{sdk.Create: event.Create, sdk.Modify: event.Modify, sdk.Attrib: event.Attrib,
	sdk.Delete: event.Delete, sdk.Move: event.Move, sdk.Full: event.Rescan}

func (m *mirror) Handle(ctx context.Context, events []sdk.Event) []sdk.Result {
	if m.sink == nil {
		return sdk.All(events, sdk.Retry, errors.New("not configured"))
	}
	batch := make(event.Batch, len(events))
	for i, ev := range events {
		batch[i] = event.Event{Op: ops[ev.Op], Path: ev.Path, From: ev.From, IsDir: ev.IsDir}
	}
	out := make([]sdk.Result, len(events))
	for i, r := range m.sink.Apply(ctx, batch) {
		out[i] = sdk.Result{ID: events[i].ID, Outcome: outcomes[r.Outcome]}
		if r.Err != nil {
			out[i].Reason = r.Err.Error()
		}
	}
	return out
}

var outcomes = map[event.Outcome]sdk.Outcome{event.OK: sdk.OK, event.Retry: sdk.Retry, event.Fail: sdk.Fail, event.Stop: sdk.Fail}

package cdn

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/luasync/luasync/plugins/sdk"
)

// Version is the plugin's version, as Info reports it.
const Version = "1.0.0"

// Plugin purges changed paths from a CDN or HTTP cache.
type Plugin struct {
	log *slog.Logger // sdk.Log; tests swap it to read what is logged

	mu  sync.Mutex
	run *runner // nil until Configure succeeds
}

var _ sdk.Plugin = (*Plugin)(nil)

// runner is a configured plugin.
type runner struct {
	s    *settings
	send *sender
	prov provider
	log  *slog.Logger
}

// New is an unconfigured cdn plugin that logs to sdk.Log.
func New() *Plugin { return &Plugin{log: sdk.Log} }

// Info says what the plugin takes. It cannot depend on the config (the
// host asks before Configure): attrib changes no cached bytes, so the
// host settles those itself; full syncs come in even when full is
// "ignore", and are settled here.
func (p *Plugin) Info() sdk.Info {
	return sdk.Info{
		Name:        "cdn",
		Version:     Version,
		Accepts:     []sdk.Op{sdk.Create, sdk.Modify, sdk.Delete, sdk.Move, sdk.Full},
		MaxBatch:    maxBatch,
		MaxInFlight: 1,
	}
}

// Configure checks the config and reads the token; under `luasync check`
// it stops there.
func (p *Plugin) Configure(_ context.Context, cfg *sdk.Config) error {
	s := parse(cfg)
	if err := cfg.Err(); err != nil {
		return err
	}
	cfg.CallTimeout = s.callTimeout(maxBatch)
	if cfg.Check {
		return nil
	}
	r := &runner{s: s, send: newSender(s, p.log), prov: newProvider(s), log: p.log}
	p.mu.Lock()
	p.run = r
	p.mu.Unlock()
	return nil
}

// maxBatch is the most events in one call.
const maxBatch = 1000

// callTimeout is about the longest a batch of n events may take: every
// URL (a move has two, an index file its directory's too, under each
// base) at the rate limit, plus every attempt at its timeout and the
// longest Retry-After waited for within a call (a minute). The host takes
// a longer call for a hang of the plugin itself.
func (s *settings) callTimeout(n int) time.Duration {
	urls := float64(n * 2 * max(1, len(s.bases)))
	requests := urls
	if s.provider == "cloudflare" {
		requests = urls / float64(max(1, s.batch))
	}
	spread := time.Duration(requests / s.rate * float64(time.Second))
	return spread + time.Duration(s.attempts)*(s.timeout+time.Minute) + 30*time.Second
}

// Handle purges the URLs of a batch. An event is OK when all its URLs
// were purged (or it has none), Fail when the provider refused one of
// them, and Retry otherwise.
func (p *Plugin) Handle(ctx context.Context, events []sdk.Event) []sdk.Result {
	p.mu.Lock()
	r := p.run
	p.mu.Unlock()
	if r == nil {
		return sdk.All(events, sdk.Retry, errors.New("cdn: not configured yet"))
	}
	return r.handle(ctx, events)
}

func (r *runner) handle(ctx context.Context, events []sdk.Event) []sdk.Result {
	results := make([]sdk.Result, len(events))
	uses := make([][]int, len(events)) // event -> indexes into uniq
	var uniq []target
	seen := map[target]int{}
	for i, ev := range events {
		ts, err := r.s.targets(ev)
		if err != nil {
			results[i] = sdk.Failed(ev, err)
			continue
		}
		results[i] = sdk.Done(ev)
		for _, t := range ts {
			j, ok := seen[t]
			if !ok {
				j = len(uniq)
				seen[t] = j
				uniq = append(uniq, t)
			}
			uses[i] = append(uses[i], j)
		}
	}
	var fails []*failure
	if len(uniq) > 0 {
		fails = r.prov.purge(ctx, r.send, uniq)
	}
	for i, ev := range events {
		if results[i].Outcome == sdk.OK {
			results[i] = verdict(ev, uses[i], fails)
		}
	}
	r.report(len(events), uniq, fails)
	if r.s.full != "all" && slices.ContainsFunc(events, func(ev sdk.Event) bool { return ev.Op == sdk.Full }) {
		r.log.Info("cdn: a full sync purges nothing with full = \"ignore\"; set full = \"all\" to purge it")
	}
	return results
}

// verdict is the worst outcome among an event's targets: Fail (the
// provider refused it; retrying will not help) over Retry over OK.
func verdict(ev sdk.Event, uses []int, fails []*failure) sdk.Result {
	var worst *failure
	for _, j := range uses {
		f := fails[j]
		if f != nil && (worst == nil || f.outcome == sdk.Fail && worst.outcome != sdk.Fail) {
			worst = f
		}
	}
	if worst == nil {
		return sdk.Done(ev)
	}
	return sdk.Result{ID: ev.ID, Outcome: worst.outcome, Reason: worst.reason}
}

// report logs a batch: one line, and one more per distinct failure.
func (r *runner) report(events int, targets []target, fails []*failure) {
	if len(targets) == 0 {
		return
	}
	done, seen := 0, map[string]bool{}
	for _, f := range fails {
		if f == nil {
			done++
			continue
		}
		if !seen[f.reason] {
			seen[f.reason] = true
			r.log.Warn("cdn: purge failed", "provider", r.s.provider, "outcome", f.outcome.String(), "reason", f.reason)
		}
	}
	r.log.Info("cdn: purged", "provider", r.s.provider, "events", events, "targets", len(targets), "done", done)
}

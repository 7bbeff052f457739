package socket

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/luasync/luasync/plugins/sdk"
)

// Version is the plugin's version, as Info reports it.
const Version = "1.0.0"

// Plugin writes every event to a listener.
type Plugin struct {
	mu      sync.Mutex
	opts    *Options // nil until Configure succeeds
	enc     encoder
	pending int // events admitted and not yet settled, at most opts.Buffer

	// owner is a one-slot semaphore: who holds it owns link, and writes.
	owner chan struct{}
	link  link
}

var _ sdk.Plugin = (*Plugin)(nil)

// New is an unconfigured socket plugin.
func New() *Plugin { return &Plugin{owner: make(chan struct{}, 1)} }

// Info asks for one batch at a time, so that lines go out in the order
// events came.
func (p *Plugin) Info() sdk.Info {
	return sdk.Info{Name: "socket", Version: Version, MaxInFlight: 1}
}

// Configure checks the config and, unless cfg.Check, takes it; it does
// not connect (the first batch does).
func (p *Plugin) Configure(ctx context.Context, cfg *sdk.Config) error {
	o := parseOptions(cfg)
	if err := cfg.Err(); err != nil || cfg.Check {
		return err
	}
	select {
	case p.owner <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("configure socket plugin for %s: %w", o.Address, ctx.Err())
	}
	defer func() { <-p.owner }()
	p.link.close()
	p.link = link{opts: o}
	p.mu.Lock()
	p.opts = &o
	p.enc = encoder{format: o.Format, source: cfg.Source, sync: cfg.Sync}
	p.mu.Unlock()
	return nil
}

var errNotConfigured = errors.New("socket plugin: not configured")

// Handle writes the batch's lines in order. What was written is done;
// what was not (an error, or beyond the buffer) is retried, and, so that
// order holds within a batch, nothing after the first event not written
// is written.
func (p *Plugin) Handle(ctx context.Context, events []sdk.Event) []sdk.Result {
	p.mu.Lock()
	opts, enc := p.opts, p.enc
	p.mu.Unlock()
	if opts == nil {
		return sdk.All(events, sdk.Retry, errNotConfigured)
	}
	var results []sdk.Result
	var queued []sdk.Event
	var lines [][]byte
	for _, ev := range events {
		line, err := enc.encode(ev)
		if err != nil {
			results = append(results, sdk.Failed(ev, err))
			continue
		}
		queued, lines = append(queued, ev), append(lines, line)
	}
	n := p.admit(len(queued))
	defer p.release(n)
	for _, ev := range queued[n:] {
		results = append(results, sdk.Again(ev, fmt.Errorf("write to %s: buffer full (%d events waiting)", opts.Address, opts.Buffer)))
	}
	written, err := p.write(ctx, opts.Address, lines[:n])
	for i, ev := range queued[:n] {
		if i < written {
			results = append(results, sdk.Done(ev))
		} else {
			results = append(results, sdk.Again(ev, err))
		}
	}
	return results
}

// admit reserves room in the buffer for up to n events and says how many
// it got.
func (p *Plugin) admit(n int) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n = max(0, min(n, p.opts.Buffer-p.pending))
	p.pending += n
	return n
}

func (p *Plugin) release(n int) {
	p.mu.Lock()
	p.pending -= n
	p.mu.Unlock()
}

// write waits for the connection, then writes lines to it, and says how
// many were written whole.
func (p *Plugin) write(ctx context.Context, address string, lines [][]byte) (int, error) {
	if len(lines) == 0 {
		return 0, nil
	}
	select {
	case p.owner <- struct{}{}:
	case <-ctx.Done():
		return 0, fmt.Errorf("wait to write to %s: %w", address, ctx.Err())
	}
	defer func() { <-p.owner }()
	return p.link.write(ctx, lines)
}

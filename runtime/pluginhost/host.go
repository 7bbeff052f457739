package pluginhost

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/luasync/luasync/plugins/sdk"
)

// Host runs one plugin process and keeps it running: it is a sink (see
// Apply) for one sync.
type Host struct {
	o    Options
	log  *slog.Logger
	info sdk.Info
	// accepts is the set of ops the plugin takes; nil takes all.
	accepts  map[sdk.Op]bool
	maxBatch int
	// slots holds one token per Handle call in flight (Info.MaxInFlight).
	slots chan struct{}

	// life ends at Close; restarts run under it.
	life context.Context
	end  context.CancelFunc
	wg   sync.WaitGroup

	mu sync.Mutex
	// cur is the process in use, nil while it is being restarted. Its
	// identity is the generation: only the first caller that reports a
	// given process broken restarts it.
	cur *proc
	// up is closed when cur is next set (or the host is closed).
	up chan struct{}
	// fails counts restarts since the last call that worked: it sets the
	// backoff, so a plugin that dies at every start does not spin.
	fails    int
	restarts int
	closed   bool

	// doubtful holds the events a process may have handled before it died
	// or hung unanswered, and that went back to the pool: the next time
	// they are sent, they go with Again set (apply.go). Guarded by mu.
	doubtful map[doubt]bool
}

// Checked is what Check learnt of a plugin: its Info, and how long a call
// may run before it is taken for a hang.
type Checked struct {
	sdk.Info
	CallTimeout time.Duration
}

// Check starts the plugin, asks for its Info and has it check its config
// (Configure with Check set), then stops it: for `luasync check`. Config
// mistakes come back as sdk.ConfigErrors (errors.As finds them), keyed as
// the plugin reported them.
func Check(ctx context.Context, o Options) (Checked, error) {
	o = o.withDefaults()
	p, err := spawn(ctx, o, logger(o), true)
	if err != nil {
		return Checked{}, err
	}
	p.stop()
	return Checked{Info: p.info, CallTimeout: p.timeout(o)}, nil
}

// Start starts the plugin and configures it. The process stays up until
// Close; run Run beside it to have it watched while idle.
func Start(ctx context.Context, o Options) (*Host, error) {
	o = o.withDefaults()
	log := logger(o)
	p, err := spawn(ctx, o, log, false)
	if err != nil {
		return nil, err
	}
	h := &Host{o: o, log: log, info: p.info, cur: p, up: make(chan struct{}), maxBatch: p.info.MaxBatch,
		doubtful: map[doubt]bool{}}
	close(h.up)
	if h.maxBatch <= 0 {
		h.maxBatch = DefaultMaxBatch
	}
	h.slots = make(chan struct{}, max(p.info.MaxInFlight, 1))
	if len(p.info.Accepts) > 0 {
		h.accepts = make(map[sdk.Op]bool, len(p.info.Accepts))
		for _, op := range p.info.Accepts {
			h.accepts[op] = true
		}
	}
	h.life, h.end = context.WithCancel(context.WithoutCancel(ctx))
	log.Info("plugin ready", "name", p.info.Name, "version", p.info.Version, "pid", p.pid,
		"config_keys", keys(o.Config))
	return h, nil
}

func logger(o Options) *slog.Logger {
	if o.Name == "" {
		return o.Logger
	}
	return o.Logger.With("plugin", o.Name)
}

// Info is what the plugin said of itself at Start.
func (h *Host) Info() sdk.Info { return h.info }

// PID is the plugin's current process id, 0 while it is being restarted.
func (h *Host) PID() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cur == nil {
		return 0
	}
	return h.cur.pid
}

// Restarts counts the processes started after the first, including
// those that failed to start.
func (h *Host) Restarts() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.restarts
}

// Close stops the plugin (gently: go-plugin closes the connection and
// kills the process if it has not exited two seconds later) and any
// restart under way. Apply calls after it return Retry.
func (h *Host) Close() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	p := h.cur
	h.cur = nil
	closeOnce(h.up)
	h.mu.Unlock()
	h.end()
	if p != nil {
		p.stop()
	}
	h.wg.Wait()
	return nil
}

// Run checks on the plugin every PingInterval until ctx ends: a process
// that is gone, or does not answer a ping, is restarted with backoff. It
// returns nil when ctx ends; it does not close the host.
func (h *Host) Run(ctx context.Context) error {
	t := time.NewTicker(h.o.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-h.life.Done():
			return nil
		case <-t.C:
		}
		h.mu.Lock()
		p := h.cur
		h.mu.Unlock()
		if p == nil {
			continue
		}
		pctx, cancel := context.WithTimeout(ctx, pingTimeout)
		err := p.ping(pctx)
		cancel()
		switch {
		case err == nil:
			h.worked(p)
		case ctx.Err() == nil:
			h.broken(p, fmt.Errorf("ping: %w", err))
		}
	}
}

// current waits, up to DownWait, for a process to send to.
func (h *Host) current(ctx context.Context) (*proc, error) {
	var timeout <-chan time.Time
	for {
		h.mu.Lock()
		p, up, closed := h.cur, h.up, h.closed
		h.mu.Unlock()
		switch {
		case closed:
			return nil, errClosed
		case p != nil:
			return p, nil
		}
		if timeout == nil {
			t := time.NewTimer(h.o.DownWait)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case <-up:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-timeout:
			return nil, fmt.Errorf("plugin down: not restarted within %s", h.o.DownWait)
		}
	}
}

var errClosed = errors.New("plugin host closed")

// worked notes that p answered: the next restart starts from the
// shortest backoff again.
func (h *Host) worked(p *proc) {
	h.mu.Lock()
	if h.cur == p {
		h.fails = 0
	}
	h.mu.Unlock()
}

// broken reports that p died or hangs. The first report of a process
// takes it out of use and restarts it in the background; later ones (other
// callers that met the same dead process) do nothing.
func (h *Host) broken(p *proc, why error) {
	h.mu.Lock()
	if h.cur != p || h.closed {
		h.mu.Unlock()
		return
	}
	h.cur = nil
	h.up = make(chan struct{})
	h.fails++
	h.wg.Add(1)
	h.mu.Unlock()
	go h.restart(p, why)
}

// restart kills p and starts processes until one comes up, waiting longer
// after each that fails.
func (h *Host) restart(p *proc, why error) {
	defer h.wg.Done()
	p.kill()
	h.log.Warn("plugin process lost; restarting", "pid", p.pid, "exit", p.exit(), "reason", why)
	for {
		h.mu.Lock()
		wait := h.o.Backoff.delay(h.fails)
		h.mu.Unlock()
		select {
		case <-h.life.Done():
			return
		case <-time.After(wait):
		}
		h.mu.Lock()
		h.restarts++
		h.mu.Unlock()
		np, err := spawn(h.life, h.o, h.log, false)
		if err != nil {
			h.mu.Lock()
			h.fails++
			next := h.o.Backoff.delay(h.fails)
			h.mu.Unlock()
			h.log.Warn("plugin restart failed", "err", err, "retry_in", next)
			continue
		}
		h.mu.Lock()
		if h.closed {
			h.mu.Unlock()
			np.stop()
			return
		}
		h.cur = np
		close(h.up)
		h.mu.Unlock()
		h.log.Info("plugin restarted", "pid", np.pid)
		return
	}
}

func closeOnce(c chan struct{}) {
	select {
	case <-c:
	default:
		close(c)
	}
}

// keys lists a config's keys, for logs: its values may be secrets.
func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

package tunnel

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/luasync/luasync/runtime/clock"
)

// Mode is how a tunnel runs its command.
type Mode string

// The modes, as lsyncd spells them.
const (
	// Command runs one process, the command as written.
	Command Mode = "command"
	// Pool runs Parallel processes, each with its own free local port
	// substituted for ^localport, and hands them out round robin.
	Pool Mode = "pool"
)

// State is whether a tunnel can carry transfers.
type State int

// The states. lsyncd's UP and UP_RETRY_TIMEOUT are Up; its CONNECTING is
// Connecting; DOWN and RETRY_TIMEOUT are Down.
const (
	// Down: no process runs (before Run, after it, or while every slot
	// waits RetryDelay to start again).
	Down State = iota
	// Connecting: processes run, none is ready yet.
	Connecting
	// Up: at least one process is ready; Endpoint hands them out.
	Up
)

func (s State) String() string {
	switch s {
	case Down:
		return "down"
	case Connecting:
		return "connecting"
	case Up:
		return "up"
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// Options configure a Tunnel. config.Tunnel maps onto them field by field.
type Options struct {
	Name string // for logs and the status file
	Mode Mode   // "" means Command
	// Command is the argv to run (never through a shell), with ^localhost
	// and, in pool mode, ^localport (Expand) filled in per process.
	Command []string
	// Parallel is how many processes pool mode runs; < 1 means 1.
	// Command mode runs one.
	Parallel int
	// RetryDelay is how long a slot waits to start its command again after
	// the process exited or could not start.
	RetryDelay time.Duration
	// ReadyDelay is how long a process must run before it is ready, or,
	// with CheckCommand, the time between its checks.
	ReadyDelay time.Duration
	// Localhost is what ^localhost stands for; "" means "localhost".
	Localhost string
	// CheckCommand, when set, decides readiness instead of ReadyDelay
	// alone: a process is ready while its latest run of CheckCommand (with
	// the process's ^localhost and ^localport) exited with one of
	// CheckExitCodes.
	CheckCommand []string
	// CheckExitCodes are the exit codes of a passing check; empty means
	// {0}.
	CheckExitCodes []int
	// CheckMaxFailed is how many checks in a row may fail before the
	// process is stopped (and started again after RetryDelay).
	CheckMaxFailed int
	// Clock is the source of time; nil is the real clock.
	Clock clock.Clock
	// Logger receives state changes, process starts and exits, and what
	// the processes print; nil means slog.Default().
	Logger *slog.Logger
}

// Endpoint is the local end of one tunnel process, what a transfer uses
// in place of ^localhost and ^localport.
type Endpoint struct {
	Host string
	Port int // 0 in command mode: the command's own port is in the target as written
}

// Expand fills s's placeholders from e: ^localhost (and ${localhost}, as
// lsyncd's examples/lrsyncssh-tunnel.lua writes it) becomes e.Host, and,
// when e.Port is set, ^localport (and ${localport}) becomes e.Port.
func Expand(s string, e Endpoint) string {
	if !strings.ContainsAny(s, "^$") {
		return s
	}
	pairs := []string{"^localhost", e.Host, "${localhost}", e.Host}
	if e.Port != 0 {
		p := strconv.Itoa(e.Port)
		pairs = append(pairs, "^localport", p, "${localport}", p)
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// HasPort reports whether s names the per-process port (^localport or
// ${localport}).
func HasPort(s string) bool {
	return strings.Contains(s, "^localport") || strings.Contains(s, "${localport}")
}

// Tunnel runs and supervises one tunnel's processes (see the package doc).
type Tunnel struct {
	opts  Options
	log   *slog.Logger
	exits chan *process // a process has exited
	// checks carries finished checks; stopped is closed when Run returns,
	// so a waiter finishing late never blocks.
	checks   chan checkResult
	stopped  chan struct{}
	checking sync.WaitGroup // running checks, which stop waits for

	mu      sync.Mutex // guards what Endpoint, Open and Status read
	slots   []*slot
	state   State
	changed chan struct{} // closed and replaced when state changes
	rr      int           // round-robin counter over the ready slots
}

// New returns a Tunnel; nothing runs until Run.
func New(opts Options) *Tunnel {
	if opts.Mode == "" {
		opts.Mode = Command
	}
	if opts.Parallel < 1 || opts.Mode == Command {
		opts.Parallel = 1
	}
	if opts.Localhost == "" {
		opts.Localhost = "localhost"
	}
	if len(opts.CheckExitCodes) == 0 {
		opts.CheckExitCodes = []int{0}
	}
	if opts.Clock == nil {
		opts.Clock = clock.System{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	t := &Tunnel{opts: opts, log: opts.Logger.With("tunnel", opts.Name),
		exits: make(chan *process), checks: make(chan checkResult), stopped: make(chan struct{}),
		changed: make(chan struct{})}
	for i := range opts.Parallel {
		t.slots = append(t.slots, &slot{n: i + 1})
	}
	return t
}

// Name is the tunnel's name.
func (t *Tunnel) Name() string { return t.opts.Name }

func (t *Tunnel) String() string { return "tunnel " + t.opts.Name }

// Endpoint returns the endpoint for the next transfer, round robin over
// the ready processes in slot order, or false while none is ready.
func (t *Tunnel) Endpoint() (Endpoint, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var ready []*slot
	for _, s := range t.slots {
		if s.ready {
			ready = append(ready, s)
		}
	}
	if len(ready) == 0 {
		return Endpoint{}, false
	}
	s := ready[t.rr%len(ready)]
	t.rr++
	return t.endpoint(s), true
}

func (t *Tunnel) endpoint(s *slot) Endpoint {
	return Endpoint{Host: t.opts.Localhost, Port: s.port}
}

// Open reports whether the tunnel is up, and returns a channel that is
// closed the next time its state changes. A pool uses it as its gate.
func (t *Tunnel) Open() (bool, <-chan struct{}) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.state == Up, t.changed
}

// State is the tunnel's state now.
func (t *Tunnel) State() State {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.state
}

// Status is a snapshot of a tunnel for the status file.
type Status struct {
	Name  string
	Mode  Mode
	State State
	Procs []ProcStatus
}

// ProcStatus is one slot: its process, or when it starts again.
type ProcStatus struct {
	PID     int // 0 while no process runs
	Port    int // pool mode
	Ready   bool
	Started time.Time // of the running process
	Starts  int       // processes started in this slot so far
	// FailedChecks is how many checks of the process failed in a row.
	FailedChecks int
	RestartAt    time.Time // while no process runs
}

// Status returns a snapshot of the tunnel and its processes.
func (t *Tunnel) Status() Status {
	t.mu.Lock()
	defer t.mu.Unlock()
	st := Status{Name: t.opts.Name, Mode: t.opts.Mode, State: t.state}
	for _, s := range t.slots {
		ps := ProcStatus{Port: s.port, Ready: s.ready, Starts: s.starts, RestartAt: s.restartAt, FailedChecks: s.failed}
		if s.p != nil {
			ps.PID, ps.Started, ps.RestartAt = s.p.pid(), s.started, time.Time{}
		}
		st.Procs = append(st.Procs, ps)
	}
	return st
}

// String renders a status as the status file shows it.
func (st Status) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "tunnel %s (%s mode): %s", st.Name, st.Mode, st.State)
	for i, p := range st.Procs {
		fmt.Fprintf(&b, "\n  process %d: ", i+1)
		switch {
		case p.PID == 0 && p.RestartAt.IsZero():
			b.WriteString("not started")
		case p.PID == 0:
			fmt.Fprintf(&b, "not running, starts again at %s", p.RestartAt.Format(time.RFC3339))
		default:
			fmt.Fprintf(&b, "pid %d", p.PID)
			if p.Port != 0 {
				fmt.Fprintf(&b, ", port %d", p.Port)
			}
			ready := "not ready"
			if p.Ready {
				ready = "ready"
			}
			fmt.Fprintf(&b, ", %s, started %s", ready, p.Started.Format(time.RFC3339))
			if p.FailedChecks > 0 {
				fmt.Fprintf(&b, ", %d checks failed in a row", p.FailedChecks)
			}
		}
		if p.Starts == 1 {
			b.WriteString(" (1 start)")
		} else {
			fmt.Fprintf(&b, " (%d starts)", p.Starts)
		}
	}
	return b.String()
}

// setState records the state the slots are in, logs a change and wakes
// whoever waits on Open. Called with mu held.
func (t *Tunnel) setState() {
	state := Down
	for _, s := range t.slots {
		switch {
		case s.ready:
			state = Up
		case s.p != nil && state == Down:
			state = Connecting
		}
	}
	if state == t.state {
		return
	}
	level := slog.LevelInfo
	if state == Down {
		level = slog.LevelWarn
	}
	t.log.Log(context.Background(), level, "tunnel state", "from", t.state, "to", state)
	t.state = state
	close(t.changed)
	t.changed = make(chan struct{})
}

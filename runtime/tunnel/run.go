package tunnel

import (
	"context"
	"time"
)

// slot is one place for a process: Parallel of them in pool mode, one in
// command mode. Only Run's goroutine changes a slot, under Tunnel.mu.
type slot struct {
	n         int       // 1-based, for logs
	p         *process  // nil while none runs
	port      int       // ^localport of p (pool mode)
	started   time.Time // when p started
	starts    int       // processes started so far
	ready     bool
	restartAt time.Time // while p is nil: start again then (zero: at once)
	// The checks of p: one runs at a time; nextCheck is when the next is
	// due, failed how many failed in a row.
	checking  bool
	nextCheck time.Time
	failed    int
}

// Run starts the tunnel's processes and keeps them running until ctx is
// done; then it stops them (SIGTERM, then SIGKILL after KillGrace) and
// returns nil. It may be called once.
func (t *Tunnel) Run(ctx context.Context) error {
	defer t.stop()
	stopTimer := func() bool { return false }
	defer func() { stopTimer() }()
	for {
		next, ok := t.step(t.opts.Clock.Now())
		stopTimer()
		var timerC <-chan time.Time
		if ok {
			timerC, stopTimer = t.opts.Clock.NewTimer(max(next.Sub(t.opts.Clock.Now()), 0))
		}
		select {
		case <-ctx.Done():
			return nil
		case p := <-t.exits:
			t.exited(p, t.opts.Clock.Now())
		case r := <-t.checks:
			t.checked(r, t.opts.Clock.Now())
		case <-timerC:
		}
	}
}

// step does what is due at now (starts, readiness, checks) and returns
// when something is due next.
func (t *Tunnel) step(now time.Time) (next time.Time, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	due := func(at time.Time) {
		if !ok || at.Before(next) {
			next, ok = at, true
		}
	}
	for _, s := range t.slots {
		if s.p == nil {
			if now.Before(s.restartAt) {
				due(s.restartAt)
				continue
			}
			t.start(s, now)
			if s.p == nil {
				due(s.restartAt)
				continue
			}
		}
		switch {
		case len(t.opts.CheckCommand) > 0:
			if !s.checking && !now.Before(s.nextCheck) {
				t.check(s)
			}
			if !s.checking {
				due(s.nextCheck)
			}
		case !s.ready && !now.Before(s.started.Add(t.opts.ReadyDelay)):
			s.ready = true
			t.log.Info("tunnel process ready", "process", s.n, "pid", s.p.pid(), "port", s.port)
		case !s.ready:
			due(s.started.Add(t.opts.ReadyDelay))
		}
	}
	t.setState()
	return next, ok
}

// start starts slot s's command; on failure the slot waits RetryDelay.
// Called with mu held.
func (t *Tunnel) start(s *slot, now time.Time) {
	s.starts++
	e := Endpoint{Host: t.opts.Localhost}
	if t.opts.Mode == Pool {
		port, err := freePort()
		if err != nil {
			t.log.Error("tunnel: no free local port; trying again later", "process", s.n, "err", err, "retry_in", t.opts.RetryDelay)
			s.restartAt = now.Add(t.opts.RetryDelay)
			return
		}
		e.Port = port
	}
	argv := expandAll(t.opts.Command, e)
	p, err := t.spawn(argv, s.n)
	if err != nil {
		t.log.Error("tunnel: cannot start the command; trying again later", "process", s.n, "argv", argv, "err", err, "retry_in", t.opts.RetryDelay)
		s.restartAt = now.Add(t.opts.RetryDelay)
		return
	}
	s.p, s.port, s.started, s.ready, s.restartAt = p, e.Port, now, false, time.Time{}
	s.checking, s.failed, s.nextCheck = false, 0, now.Add(t.opts.ReadyDelay)
	t.log.Info("tunnel process started", "process", s.n, "pid", p.pid(), "port", e.Port, "argv", argv)
}

// exited handles a process that ended: its slot starts again after
// RetryDelay.
func (t *Tunnel) exited(p *process, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, s := range t.slots {
		if s.p != p {
			continue
		}
		t.log.Warn("tunnel process exited; starting it again later", "process", s.n, "pid", p.pid(), "port", s.port,
			"status", p.status(), "ran", now.Sub(s.started).Round(time.Millisecond), "retry_in", t.opts.RetryDelay)
		s.p, s.ready, s.restartAt = nil, false, now.Add(t.opts.RetryDelay)
		t.setState()
	}
}

// stop stops every process and waits for them; called once Run is over.
func (t *Tunnel) stop() {
	t.mu.Lock()
	var procs []*process
	for _, s := range t.slots {
		if s.p != nil {
			procs = append(procs, s.p)
		}
		s.p, s.ready = nil, false
	}
	t.setState()
	t.mu.Unlock()
	close(t.stopped)
	for _, p := range procs {
		p.terminate()
	}
	for _, p := range procs {
		p.wait()
	}
	t.checking.Wait()
	if len(procs) > 0 {
		t.log.Info("tunnel stopped", "processes", len(procs))
	}
}

func expandAll(argv []string, e Endpoint) []string {
	out := make([]string, len(argv))
	for i, a := range argv {
		out[i] = Expand(a, e)
	}
	return out
}

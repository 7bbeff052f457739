package rsync

import (
	"context"
	"sync"
	"time"
)

// Warm runs. Before rsync reads its --files-from list it connects,
// authenticates and negotiates: 5-15 ms to a local daemon, 40-60 ms when
// the daemon's side of the connection waits on a delayed ACK, 100 ms and
// more for an ssh handshake. A sink that knows a batch is coming (Prepare)
// starts its list run ahead with the same arguments; the run then waits
// on stdin, and the batch only writes its list. Nothing of the source is
// read before the list arrives, so what is sent is the state at that time,
// as with a run started then.

// warmIdle is how long a warm run waits for a batch; then it gets an
// empty list and exits 0, a no-op for rsync and for the daemon's log.
var warmIdle = time.Second

// warmSlot holds at most one warm run.
type warmSlot struct {
	mu   sync.Mutex
	p    *proc
	args []string // p's arguments
	dest string   // p's destination argument
	// broken: the last warm run had exited before a batch came (the
	// target is down, say); no more are started until a run succeeds, so
	// a dead target is not dialled twice as often.
	broken bool
}

// Prepare starts the list run of the next batch ahead, unless one is
// waiting already. It does not block on the target. The pool calls it when
// it holds work it is about to hand out.
func (s *Sink) Prepare() {
	w := &s.warm
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.p != nil && !w.p.alive() {
		s.log.Debug("rsync: a run started ahead exited while it waited", "sink", s.String())
		w.p, w.broken = nil, true
	}
	if w.broken || w.p != nil {
		return
	}
	dest := s.dest
	if s.opts.Tunnel != nil {
		var ok bool
		if dest, ok = s.tunnelDest(); !ok {
			return
		}
	}
	s.runs.Add(1)
	s.master.ensure()
	args := s.listArgs(dest)
	p, err := startProc(append([]string{s.rsync}, args...), 0)
	if err != nil {
		w.broken = true
		return
	}
	w.p, w.args, w.dest = p, args, dest
	time.AfterFunc(warmIdle, func() {
		w.mu.Lock()
		idle := w.p == p
		if idle {
			w.p = nil
		}
		w.mu.Unlock()
		if idle {
			p.finish(context.Background(), nil)
		}
	})
}

// warmDest is the destination of the waiting warm run, or "".
func (s *Sink) warmDest() string {
	s.warm.mu.Lock()
	defer s.warm.mu.Unlock()
	if s.warm.p == nil {
		return ""
	}
	return s.warm.dest
}

// takeWarm returns the waiting warm run and its arguments, or nil; one
// that already exited marks the slot broken.
func (s *Sink) takeWarm() (*proc, []string) {
	w := &s.warm
	w.mu.Lock()
	defer w.mu.Unlock()
	p, args := w.p, w.args
	w.p, w.args = nil, nil
	if p != nil && !p.alive() {
		s.log.Debug("rsync: a run started ahead exited before its batch", "sink", s.String())
		w.broken = true
		p.finish(context.Background(), nil) // collects it; it has exited
		return nil, nil
	}
	return p, args
}

// warmOK re-arms Prepare after a run succeeded.
func (s *Sink) warmOK() {
	s.warm.mu.Lock()
	s.warm.broken = false
	s.warm.mu.Unlock()
}

// connectFailure reports whether a run ended the way a connection that
// went stale or was refused ends, before or while it sent anything:
// rerunning it at once is safe (runs are by state) and cheap.
func connectFailure(r result) bool {
	if r.err != nil || r.signaled {
		return false
	}
	switch r.code {
	case 5, 10, 12, 30, 35, 255:
		return true
	}
	return false
}

package tunnel

import (
	"bytes"
	"slices"
	"sync"
	"time"
)

// minCheckInterval spaces the checks of a process when ReadyDelay is
// shorter; checkTimeout bounds one check (in real time, as it is a real
// process) when ReadyDelay is shorter.
const (
	minCheckInterval = time.Second
	checkTimeout     = 10 * time.Second
)

// checkResult is how one check of slot s's process p ended.
type checkResult struct {
	s      *slot
	p      *process // the tunnel process that was checked
	ok     bool
	status string // how the check ended, for the log
	output string // the end of what it printed
}

// check runs slot s's CheckCommand in the background, with s's endpoint
// filled in; checked gets the result. Called with mu held.
func (t *Tunnel) check(s *slot) {
	s.checking = true
	argv := expandAll(t.opts.CheckCommand, t.endpoint(s))
	r := checkResult{s: s, p: s.p}
	timeout := max(t.opts.ReadyDelay, checkTimeout)
	t.checking.Go(func() {
		out := &tail{}
		cp, err := startProcess(argv, out)
		if err != nil {
			r.status = err.Error()
		} else {
			select {
			case <-cp.done:
				r.status = cp.status()
				r.ok = slices.Contains(t.opts.CheckExitCodes, cp.exitCode())
			case <-time.After(timeout):
				cp.terminate()
				cp.wait()
				r.status = "timed out after " + timeout.String()
			case <-t.stopped:
				cp.terminate()
				cp.wait()
				return
			}
		}
		r.output = out.String()
		select {
		case t.checks <- r:
		case <-t.stopped:
		}
	})
}

// checked records a check's result: a pass makes the process ready, a
// failure not ready, and more than CheckMaxFailed failures in a row stop
// it (its slot starts it again after RetryDelay).
func (t *Tunnel) checked(r checkResult, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := r.s
	if s.p != r.p {
		return // that process is gone; its successor has checks of its own
	}
	s.checking = false
	s.nextCheck = now.Add(max(t.opts.ReadyDelay, minCheckInterval))
	log := t.log.With("process", s.n, "pid", s.p.pid(), "port", s.port)
	if r.ok {
		if !s.ready {
			log.Info("tunnel process ready: its check passed")
		}
		s.ready, s.failed = true, 0
		t.setState()
		return
	}
	s.ready = false
	s.failed++
	log.Warn("tunnel check failed", "status", r.status, "output", r.output, "failed_in_a_row", s.failed)
	if s.failed > t.opts.CheckMaxFailed {
		log.Warn("tunnel process failed too many checks; stopping it", "check_max_failed", t.opts.CheckMaxFailed)
		s.p.terminate()
	}
	t.setState()
}

// tail keeps the last tailBytes of a check's output, for the log.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

const tailBytes = 512

func (w *tail) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, b...)
	if len(w.buf) > tailBytes {
		w.buf = w.buf[len(w.buf)-tailBytes:]
	}
	return len(b), nil
}

func (w *tail) flush() {}

func (w *tail) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return string(bytes.TrimSpace(w.buf))
}

package watch

import (
	"context"
	"sync"
)

// flusher serves Flush: a caller asks, Run's loop reads whatever the kernel
// has queued, sends what it causes, and then answers every request made
// before it started reading.
type flusher struct {
	mu      sync.Mutex
	want    uint64        // requests made
	done    uint64        // requests answered
	sent    uint64        // events sent when they were answered
	served  chan struct{} // closed and replaced at every answer
	stopped chan struct{} // closed when Run ends: nothing more is sent
	stop1   sync.Once
	wake    func() // interrupts the loop's blocking read; set by Run
}

func (f *flusher) init() {
	f.served = make(chan struct{})
	f.stopped = make(chan struct{})
}

// request records a request and returns its number.
func (f *flusher) request() uint64 {
	f.mu.Lock()
	f.want++
	gen, wake := f.want, f.wake
	f.mu.Unlock()
	if wake != nil {
		wake()
	}
	return gen
}

// setWake installs the loop's waker, and wakes it if a request came first.
func (f *flusher) setWake(wake func()) {
	f.mu.Lock()
	f.wake = wake
	waiting := f.want > f.done
	f.mu.Unlock()
	if waiting {
		wake()
	}
}

// asked returns the newest request number when some are unanswered. The
// loop reads the kernel's queue after this, then calls answer with it.
func (f *flusher) asked() (uint64, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.want, f.want > f.done
}

// answer tells the requests up to gen that sent events cover them.
func (f *flusher) answer(gen, sent uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if gen <= f.done {
		return
	}
	f.done, f.sent = gen, sent
	close(f.served)
	f.served = make(chan struct{})
}

// stop answers every request from now on with the final count.
func (f *flusher) stop(sent uint64) {
	f.stop1.Do(func() {
		f.mu.Lock()
		f.sent = max(f.sent, sent)
		f.mu.Unlock()
		close(f.stopped)
	})
}

// wait blocks until request gen is answered, or the watcher has stopped,
// and returns how many events had been sent by then.
func (f *flusher) wait(ctx context.Context, gen uint64) (uint64, error) {
	for {
		f.mu.Lock()
		done, sent, ch := f.done, f.sent, f.served
		f.mu.Unlock()
		if done >= gen {
			return sent, nil
		}
		select {
		case <-ch:
		case <-f.stopped:
			f.mu.Lock()
			defer f.mu.Unlock()
			return f.sent, nil
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
}

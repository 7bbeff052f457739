package probe

import (
	"errors"
	"os"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// loop reads events until Stop closes the descriptor.
func (p *Probe) loop() {
	defer close(p.done)
	buf := make([]byte, 256<<10)
	for {
		n, err := p.file.Read(buf)
		now := time.Now()
		if err != nil {
			if !errors.Is(err, os.ErrClosed) {
				p.mu.Lock()
				p.err = err
				p.mu.Unlock()
			}
			return
		}
		p.handle(buf[:n], now)
	}
}

// handle processes one read's worth of events, taking the lock per event
// so the writer, which registers files under the same lock, never waits
// behind a whole buffer.
func (p *Probe) handle(buf []byte, now time.Time) {
	for off := 0; off+unix.SizeofInotifyEvent <= len(buf); {
		ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
		nameBytes := buf[off+unix.SizeofInotifyEvent : off+unix.SizeofInotifyEvent+int(ev.Len)]
		off += unix.SizeofInotifyEvent + int(ev.Len)
		p.mu.Lock()
		if p.stopped {
			p.mu.Unlock()
			return
		}
		p.events++
		p.last = now
		if err := p.event(ev.Wd, ev.Mask, cstring(nameBytes), now); err != nil && p.err == nil {
			p.err = err
		}
		p.mu.Unlock()
	}
}

func (p *Probe) event(wd int32, mask uint32, name string, now time.Time) error {
	if mask&unix.IN_Q_OVERFLOW != 0 {
		p.overflows++
		return p.rescan(now)
	}
	dir, ok := p.wds[wd]
	if !ok {
		return nil
	}
	if mask&unix.IN_IGNORED != 0 {
		delete(p.wds, wd)
		return nil
	}
	rel := join(dir, name)
	switch {
	case mask&unix.IN_ISDIR != 0 && mask&(unix.IN_CREATE|unix.IN_MOVED_TO) != 0:
		return p.addTree(rel, now)
	case mask&(unix.IN_CLOSE_WRITE|unix.IN_MOVED_TO) != 0:
		p.check(rel, now)
	}
	return nil
}

// rescan recovers from a lost queue: every directory is watched again and
// every open path checked; arrivals found here are timed at the rescan.
func (p *Probe) rescan(now time.Time) error {
	if err := p.addTree("", now); err != nil {
		return err
	}
	for rel := range p.paths {
		p.check(rel, now)
	}
	return nil
}

func cstring(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

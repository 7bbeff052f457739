package socket

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"
	"time"
)

// Package variables that tests shrink.
var (
	// firstBackoff is the wait before reconnecting after the first error;
	// it doubles with each further one, up to Options.Reconnect.
	firstBackoff = 100 * time.Millisecond
	// chunkSize is about how many bytes go to the socket in one write:
	// lines are grouped up to it, so a batch stops at a line's end.
	chunkSize = 64 << 10
)

// link is the connection to the listener and the state of reconnecting;
// only the holder of Plugin.owner touches it.
type link struct {
	opts     Options
	conn     net.Conn
	backoff  time.Duration // the last wait; 0 after a good write
	nextDial time.Time     // no connection attempt before this
	lastErr  error         // why the last attempt or write failed
}

// write sends lines, connecting first if need be, and says how many were
// written whole; after an error, the connection is closed.
func (l *link) write(ctx context.Context, lines [][]byte) (int, error) {
	if l.conn != nil && peerGone(l.conn) {
		// The listener closed its end: reconnect now, rather than write
		// into a connection nobody reads.
		l.close()
	}
	if l.conn == nil {
		if err := l.dial(ctx); err != nil {
			return 0, err
		}
	}
	done := 0
	for done < len(lines) {
		if err := ctx.Err(); err != nil {
			return done, fmt.Errorf("write to %s: %w", l.opts.Address, err)
		}
		end, size := done, 0
		for end < len(lines) && (end == done || size+len(lines[end]) <= chunkSize) {
			size += len(lines[end])
			end++
		}
		chunk := make([]byte, 0, size)
		for _, line := range lines[done:end] {
			chunk = append(chunk, line...)
		}
		if err := l.conn.SetWriteDeadline(time.Now().Add(l.opts.WriteTimeout)); err != nil {
			return done, l.failed(fmt.Errorf("write to %s: %w", l.opts.Address, err))
		}
		n, err := l.conn.Write(chunk)
		if err != nil {
			// Lines wholly in the first n bytes reached the socket.
			for done < end && len(lines[done]) <= n {
				n -= len(lines[done])
				done++
			}
			return done, l.failed(fmt.Errorf("write to %s: %w", l.opts.Address, err))
		}
		done = end
	}
	l.backoff = 0
	return done, nil
}

// dial connects, unless the wait after the last error is not over.
func (l *link) dial(ctx context.Context) error {
	if wait := time.Until(l.nextDial); wait > 0 {
		return fmt.Errorf("not connected to %s (next attempt in %v): %w", l.opts.Address, wait.Round(time.Millisecond), l.lastErr)
	}
	d := net.Dialer{Timeout: l.opts.ConnectTimeout}
	conn, err := d.DialContext(ctx, l.opts.network, l.opts.addr)
	if err != nil {
		return l.failed(fmt.Errorf("connect to %s: %w", l.opts.Address, err))
	}
	l.conn = conn
	return nil
}

// failed closes the connection and puts off the next attempt.
func (l *link) failed(err error) error {
	l.close()
	l.backoff = min(max(2*l.backoff, firstBackoff), l.opts.Reconnect)
	l.nextDial = time.Now().Add(l.backoff)
	l.lastErr = err
	return err
}

func (l *link) close() {
	if l.conn != nil {
		l.conn.Close()
		l.conn = nil
	}
}

// peerGone reports whether the listener closed its end (or reset it),
// reading without waiting; what a listener sends is not part of the
// protocol and is dropped.
func peerGone(conn net.Conn) bool {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return true
	}
	gone := false
	buf := make([]byte, 4096)
	err = raw.Read(func(fd uintptr) bool {
		for {
			n, err := syscall.Read(int(fd), buf) // the fd is non-blocking
			switch {
			case errors.Is(err, syscall.EINTR):
				continue
			case errors.Is(err, syscall.EAGAIN):
				return true // nothing to read: still there
			case err != nil || n == 0:
				gone = true // an error, or end of stream
				return true
			}
		}
	})
	return gone || err != nil
}

package scenario

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/luasync/luasync/bench/probe"
)

// poolSize is the random data files are cut from: big enough that no two
// files of a run share content by accident, small enough to make once.
const poolSize = 16 << 20

// Writer makes a scenario's changes under Src and tells the probe what the
// target should end up holding.
type Writer struct {
	Src   string
	Probe *probe.Probe
	rng   *rand.Rand
	pool  []byte
	// Files is how many file versions were written (creates, appends).
	Files int
	// Last is when the last change to the source was made.
	Last time.Time
}

// NewWriter returns a Writer whose random choices are fixed by seed, so
// every tool sees the same workload.
func NewWriter(src string, p *probe.Probe, seed uint64) *Writer {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	pool := make([]byte, poolSize)
	for i := 0; i+8 <= len(pool); i += 8 {
		v := rng.Uint64()
		for j := range 8 {
			pool[i+j] = byte(v >> (8 * j))
		}
	}
	return &Writer{Src: src, Probe: p, rng: rng, pool: pool}
}

func (w *Writer) abs(rel string) string { return filepath.Join(w.Src, rel) }

// between returns a size in [lo, hi].
func (w *Writer) between(lo, hi int) int { return lo + w.rng.IntN(hi-lo+1) }

// chunk returns n bytes of the pool from a random offset (n <= poolSize).
func (w *Writer) chunk(n int) []byte {
	off := w.rng.IntN(len(w.pool) - n + 1)
	return w.pool[off : off+n]
}

// Mkdir creates rel and its parents.
func (w *Writer) Mkdir(rel string) error {
	if err := os.MkdirAll(w.abs(rel), 0o755); err != nil {
		return fmt.Errorf("mkdir %s: %w", rel, err)
	}
	w.Last = time.Now()
	return nil
}

// Write creates (or truncates) rel with size bytes written chunk bytes at
// a time (chunk 0: in one write).
func (w *Writer) Write(rel string, size, chunk int) error {
	f, err := os.OpenFile(w.abs(rel), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("write %s: %w", rel, err)
	}
	pend := w.Probe.Expect(rel, int64(size))
	if chunk <= 0 || chunk > size {
		chunk = max(size, 1)
	}
	for left := size; left > 0; left -= chunk {
		if _, err := f.Write(w.chunk(min(chunk, left))); err != nil {
			f.Close()
			return fmt.Errorf("write %s: %w", rel, err)
		}
	}
	return w.close(f, rel, pend)
}

// Append adds n bytes to rel, whose size was size.
func (w *Writer) Append(rel string, size int64, n int) error {
	f, err := os.OpenFile(w.abs(rel), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("append to %s: %w", rel, err)
	}
	pend := w.Probe.Expect(rel, size+int64(n))
	if _, err := f.Write(w.chunk(n)); err != nil {
		f.Close()
		return fmt.Errorf("append to %s: %w", rel, err)
	}
	return w.close(f, rel, pend)
}

// close stamps the close time just before close(), as the latency is
// defined from there.
func (w *Writer) close(f *os.File, rel string, pend *probe.Pending) error {
	now := time.Now()
	w.Probe.Done(pend, now)
	w.Files++
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", rel, err)
	}
	w.Last = time.Now()
	return nil
}

// Rename renames a file or a directory.
func (w *Writer) Rename(from, to string) error {
	pend := w.Probe.Move(from, to)
	now := time.Now()
	if err := os.Rename(w.abs(from), w.abs(to)); err != nil {
		return fmt.Errorf("rename %s: %w", from, err)
	}
	w.Probe.Done(pend, now)
	w.Last = time.Now()
	return nil
}

// RemoveAll deletes rel and everything under it.
func (w *Writer) RemoveAll(rel string) error {
	w.Probe.Forget(rel)
	if err := os.RemoveAll(w.abs(rel)); err != nil {
		return fmt.Errorf("delete %s: %w", rel, err)
	}
	w.Last = time.Now()
	return nil
}

// Chmod changes rel's permissions.
func (w *Writer) Chmod(rel string, mode os.FileMode) error {
	if err := os.Chmod(w.abs(rel), mode); err != nil {
		return fmt.Errorf("chmod %s: %w", rel, err)
	}
	w.Last = time.Now()
	return nil
}

// pace calls step(i) for i = 0, 1, ... at rate per second until d has
// passed, catching up without sleeping when it falls behind; it returns
// how many steps ran.
func pace(ctx context.Context, rate int, d time.Duration, step func(i int) error) (int, error) {
	start := time.Now()
	interval := time.Second / time.Duration(rate)
	for i := 0; ; i++ {
		due := start.Add(time.Duration(i) * interval)
		if due.Sub(start) >= d {
			return i, nil
		}
		if wait := time.Until(due); wait > 0 {
			select {
			case <-ctx.Done():
				return i, ctx.Err()
			case <-time.After(wait):
			}
		}
		if err := step(i); err != nil {
			return i, err
		}
	}
}

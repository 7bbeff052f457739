package torture

import (
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"
)

// writer does the operations of one writer, in its own top-level directory.
// Its choices come from its own random source and its model of the tree,
// so its sequence of operations depends only on its seed.
type writer struct {
	id         int
	root       string // the source root, absolute
	rng        *rand.Rand
	m          *model
	log        *OpLog
	umask      fs.FileMode
	maxEntries int
	pace       bool // sleep where a pattern pauses; off while prefilling
	n          int  // operations so far
	names      int  // counter for fresh names
	// hot are directories that were just created and renamed into place;
	// later writes go into them often, which is what breaks watchers that
	// lost them.
	hot []string
	// done counts the steps taken, by the name of their op.
	done map[string]int
	// ops is the mix this writer picks from; see Config for relativeLinks.
	ops           []op
	relativeLinks bool
}

func newWriter(root string, id int, seed uint64, log *OpLog, umask fs.FileMode, maxEntries int) (*writer, error) {
	top := fmt.Sprintf("w%d", id)
	w := &writer{
		id: id, root: root, log: log, umask: umask, maxEntries: maxEntries,
		// The writer's number is the second PCG word, so writers of one
		// seed get independent streams.
		rng:  rand.New(rand.NewPCG(seed, uint64(id))),
		done: map[string]int{},
		ops:  mix,
	}
	if err := os.Mkdir(w.abs(top), 0o755); err != nil {
		return nil, fmt.Errorf("make writer directory: %w", err)
	}
	w.m = newModel(top, 0o755&^umask)
	return w, nil
}

func (w *writer) abs(rel string) string { return filepath.Join(w.root, rel) }

// step does one operation, or one pattern of several, and returns how long
// the writer should then pause: mostly not at all, sometimes 1-50 ms, and
// now and then a quiet 200-500 ms so that batches split.
func (w *writer) step() (time.Duration, error) {
	for {
		op := w.pickOp()
		done, err := op.do(w)
		if err != nil {
			return 0, err
		}
		if done {
			w.done[op.name]++
			break
		}
	}
	switch r := w.rng.IntN(1000); {
	case r < 900:
		return 0, nil
	case r < 985:
		return time.Duration(1+w.rng.IntN(50)) * time.Millisecond, nil
	default:
		d := time.Duration(200+w.rng.IntN(301)) * time.Millisecond
		w.log.note(w.id, "quiet "+d.String())
		return d, nil
	}
}

// pause sleeps inside a pattern (a slow writer between chunks, say) when
// the writer runs against the clock.
func (w *writer) pause(d time.Duration) {
	if w.pace {
		time.Sleep(d)
	}
}

// record logs the next operation before it runs, so a failing one is the
// last line of the log.
func (w *writer) record(name, detail string, paths ...string) {
	w.n++
	w.log.op(w.id, w.n, name, detail, paths...)
}

func (w *writer) fail(name string, err error) error {
	return fmt.Errorf("writer %d, operation #%d (%s): %w", w.id, w.n, name, err)
}

// data returns n bytes from the writer's random source.
func (w *writer) data(n int) []byte {
	b := make([]byte, n+8)
	for i := 0; i < n; i += 8 {
		v := w.rng.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return b[:n]
}

// fileSize picks a size: mostly small, sometimes tens of KiB, rarely up to
// 1 MiB.
func (w *writer) fileSize() int {
	switch r := w.rng.IntN(100); {
	case r < 35:
		return w.rng.IntN(64)
	case r < 80:
		return w.rng.IntN(4 << 10)
	case r < 98:
		return w.rng.IntN(64 << 10)
	}
	return w.rng.IntN(1 << 20)
}

package daemon

import (
	"context"
	"errors"
	"sync"
)

// runPools runs every sink's pool and returns the function that stops
// them: it drains the pools fed by the watcher first, then those fed by
// what the mirror applied (after = "mirror"), which the first stage's
// last batches may still feed. It returns every pool's error, each naming
// the events it could not persist.
func (d *Daemon) runPools(ctx context.Context) (stop func() error) {
	var (
		mu   sync.Mutex
		errs error
	)
	start := func(afterMirror bool) (context.CancelFunc, *sync.WaitGroup) {
		ctx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		for _, s := range d.syncs {
			for _, t := range s.sinks {
				if t.afterMirror != afterMirror {
					continue
				}
				wg.Go(func() {
					err := t.pool.Run(ctx)
					if err == nil {
						d.clearRunning(t.pool)
					}
					mu.Lock()
					errs = errors.Join(errs, err)
					mu.Unlock()
				})
			}
		}
		return cancel, &wg
	}
	stopFirst, first := start(false)
	stopSecond, second := start(true)
	return func() error {
		stopFirst()
		first.Wait()
		stopSecond()
		second.Wait()
		mu.Lock()
		defer mu.Unlock()
		return errs
	}
}

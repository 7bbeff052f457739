package watch

import (
	"context"

	"golang.org/x/sync/errgroup"
)

// walkParallel visits start and, depth first, every item visit returns,
// with up to workers visits running at once. A visit that finds no free
// worker for a child does the child itself, so a deep chain costs no
// goroutines and a wide directory spreads over all of them. The first error
// stops the walk and is returned.
func walkParallel[T any](ctx context.Context, workers int, start T, visit func(T) ([]T, error)) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	var walk func(T) error
	walk = func(item T) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		children, err := visit(item)
		if err != nil {
			return err
		}
		for _, c := range children {
			if g.TryGo(func() error { return walk(c) }) {
				continue
			}
			if err := walk(c); err != nil {
				return err
			}
		}
		return nil
	}
	g.Go(func() error { return walk(start) })
	return g.Wait()
}

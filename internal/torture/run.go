package torture

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Config says what a Generator does; only Seed is required.
type Config struct {
	// Seed decides every choice of every writer.
	Seed uint64
	// Writers is how many writers work at once, each in its own top-level
	// directory; 0 means 2.
	Writers int
	// MaxEntries bounds each writer's tree: above it, a writer deletes
	// until it is below again. 0 means 300.
	MaxEntries int
	// Without names ops of the mix (as OpNames lists them) that writers
	// leave out, to tell which one a failure needs; the deletes that keep
	// a tree within MaxEntries stay. It changes the sequence a seed makes.
	Without []string
	// RelativeLinks makes the symlinks that would point to an absolute
	// path point to the same path without its leading '/', for targets
	// that cannot store absolute links: an rsync daemon module without
	// chroot strips the '/' (rsync's sanitizing of paths). The sequence of
	// operations is otherwise the same.
	RelativeLinks bool
}

// OpNames lists the ops of the mix, for Config.Without.
func OpNames() []string {
	names := make([]string, len(mix))
	for i, o := range mix {
		names[i] = o.name
	}
	return names
}

// Generator runs a Config's writers against a source tree.
type Generator struct {
	writers []*writer
	log     *OpLog
}

// New makes the writers' top directories (w0, w1, ...) in root, which must
// exist and hold none of them.
func New(root string, cfg Config, log *OpLog) (*Generator, error) {
	if cfg.Writers == 0 {
		cfg.Writers = 2
	}
	if cfg.MaxEntries == 0 {
		cfg.MaxEntries = 300
	}
	umask, err := readUmask()
	if err != nil {
		return nil, err
	}
	ops, err := without(cfg.Without)
	if err != nil {
		return nil, err
	}
	g := &Generator{log: log}
	for i := range cfg.Writers {
		w, err := newWriter(root, i, cfg.Seed, log, umask, cfg.MaxEntries)
		if err != nil {
			return nil, fmt.Errorf("torture generator in %s: %w", root, err)
		}
		w.ops, w.relativeLinks = ops, cfg.RelativeLinks
		g.writers = append(g.writers, w)
	}
	return g, nil
}

// without returns the mix less the named ops.
func without(names []string) ([]op, error) {
	for _, n := range names {
		if !slices.Contains(OpNames(), n) {
			return nil, fmt.Errorf("torture generator: no op %q to leave out; the ops are %q", n, OpNames())
		}
	}
	ops := slices.DeleteFunc(slices.Clone(mix), func(o op) bool { return slices.Contains(names, o.name) })
	if len(ops) == 0 || !slices.ContainsFunc(ops, func(o op) bool { return o.name == "create" }) {
		return nil, errors.New("torture generator: the mix needs at least \"create\"")
	}
	return ops, nil
}

// Prefill has each writer, one after the other, take steps steps without
// pausing: a tree for a startup sync to copy.
func (g *Generator) Prefill(steps int) error {
	for _, w := range g.writers {
		for range steps {
			if _, err := w.step(); err != nil {
				return err
			}
		}
	}
	return nil
}

// Run has every writer step, with its pauses, at once, until d has passed
// or ctx ends. It returns the first writer's error, after all have
// stopped.
func (g *Generator) Run(ctx context.Context, d time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	errs := make([]error, len(g.writers))
	var wg sync.WaitGroup
	for i, w := range g.writers {
		wg.Go(func() {
			if errs[i] = w.run(ctx); errs[i] != nil {
				cancel()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (w *writer) run(ctx context.Context) error {
	w.pace = true
	defer func() { w.pace = false }()
	for ctx.Err() == nil {
		pause, err := w.step()
		if err != nil {
			return err
		}
		if pause > 0 {
			t := time.NewTimer(pause)
			select {
			case <-ctx.Done():
			case <-t.C:
			}
			t.Stop()
		}
	}
	return nil
}

// Ops is how many operations the writers have done.
func (g *Generator) Ops() int { return g.log.Ops() }

// readUmask reads the process's umask without changing it (umask(2) can
// only be read by setting it, which would race with other goroutines).
func readUmask() (fs.FileMode, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, fmt.Errorf("read the umask: %w", err)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "Umask:"); ok {
			m, err := strconv.ParseUint(strings.TrimSpace(v), 8, 32)
			if err != nil {
				return 0, fmt.Errorf("read the umask: /proc/self/status: %q: %w", line, err)
			}
			return fs.FileMode(m), nil
		}
	}
	return 0, errors.New("read the umask: /proc/self/status has no Umask line (Linux 4.7 or newer has)")
}

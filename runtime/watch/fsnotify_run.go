//go:build !linux || watch_fsnotify

package watch

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/fsnotify/fsnotify"

	"github.com/luasync/luasync/runtime/event"
)

// Run reads events and sends them on out until ctx is done. It returns nil
// when ctx ends and an error (also logged) when the root itself is removed
// or renamed, or fsnotify stops. Run closes the Watcher when it returns.
func (w *Watcher) Run(ctx context.Context, out chan<- event.Event) error {
	defer w.Close()
	w.flush.setWake(func() {
		select {
		case w.flushWake <- struct{}{}:
		default:
		}
	})
	err := w.run(ctx, out)
	if ctx.Err() != nil {
		return nil
	}
	w.log.Error("watching stopped", "root", w.root, "err", err)
	return err
}

func (w *Watcher) run(ctx context.Context, out chan<- event.Event) error {
	emit := func(e event.Event) error {
		if w.opts.skip(e.Path, e.IsDir) {
			return nil
		}
		select {
		case out <- e:
			w.sent.Add(1)
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-w.flushWake:
			gen, _ := w.flush.asked()
			if err := w.drain(emit); err != nil {
				return err
			}
			w.flush.answer(gen, w.sent.Load())
		case ev, ok := <-w.fw.Events:
			if !ok {
				return fmt.Errorf("watch %s: watcher closed", w.root)
			}
			if err := w.handle(ev, emit); err != nil {
				return err
			}
		case err, ok := <-w.fw.Errors:
			if !ok {
				return fmt.Errorf("watch %s: watcher closed", w.root)
			}
			if err := w.failed(err, emit); err != nil {
				return err
			}
		}
	}
}

// Flush returns once Run has handled what fsnotify had delivered when it
// was called, and returns how many events Run has sent in all by then (see
// the Linux Flush). fsnotify's own reader may still hold events the kernel
// queued before the call: here Flush is a best effort.
func (w *Watcher) Flush(ctx context.Context) (uint64, error) {
	return w.flush.wait(ctx, w.flush.request())
}

// drain handles the events fsnotify has delivered, without waiting.
func (w *Watcher) drain(emit func(event.Event) error) error {
	for {
		select {
		case ev, ok := <-w.fw.Events:
			if !ok {
				return nil
			}
			if err := w.handle(ev, emit); err != nil {
				return err
			}
		default:
			return nil
		}
	}
}

// failed handles an error from fsnotify: an overflow lost events, so the
// tree is watched afresh and then rescanned; anything else is logged.
func (w *Watcher) failed(err error, emit func(event.Event) error) error {
	if !errors.Is(err, fsnotify.ErrEventOverflow) {
		w.log.Warn("watch error", "root", w.root, "err", err)
		return nil
	}
	w.log.Warn("event queue overflowed; rescanning the whole tree", "root", w.root)
	if err := w.watchTree(""); err != nil {
		return err
	}
	return emit(event.Event{Op: event.Rescan, Path: "", IsDir: true})
}

func (w *Watcher) handle(ev fsnotify.Event, emit func(event.Event) error) error {
	rel, ok := w.rel(ev.Name)
	if !ok {
		return nil
	}
	if rel == "" {
		return w.rootEvent(ev, emit)
	}
	var err error
	if ev.Has(fsnotify.Create) {
		err = w.created(rel, emit)
	}
	if err == nil && ev.Has(fsnotify.Write) {
		err = emit(event.Event{Op: event.Modify, Path: rel, Size: w.size(rel)})
	}
	if err == nil && ev.Has(fsnotify.Chmod) {
		err = emit(event.Event{Op: event.Attrib, Path: rel, IsDir: w.isWatchedDir(rel)})
	}
	if err == nil && ev.Has(fsnotify.Remove|fsnotify.Rename) {
		err = emit(event.Event{Op: event.Delete, Path: rel, IsDir: w.forget(rel)})
	}
	return err
}

func (w *Watcher) rootEvent(ev fsnotify.Event, emit func(event.Event) error) error {
	switch {
	case ev.Has(fsnotify.Remove):
		return fmt.Errorf("watch %s: source directory was deleted", w.root)
	case ev.Has(fsnotify.Rename):
		return fmt.Errorf("watch %s: source directory was moved away", w.root)
	case ev.Has(fsnotify.Chmod):
		return emit(event.Event{Op: event.Attrib, Path: "", IsDir: true})
	}
	return nil
}

// created reports a new name; a new directory is watched first and then
// scanned, so nothing written into it meanwhile is missed.
func (w *Watcher) created(rel string, emit func(event.Event) error) error {
	fi, err := os.Lstat(joinAbs(w.abs, rel))
	if err != nil || !fi.IsDir() {
		return emit(event.Event{Op: event.Create, Path: rel})
	}
	if w.opts.skip(rel, true) {
		return nil
	}
	ok, err := w.watchDir(rel)
	if err != nil {
		return err
	}
	if err := emit(event.Event{Op: event.Create, Path: rel, IsDir: true}); err != nil || !ok {
		return err
	}
	ents, err := w.list(rel)
	if err != nil {
		return err
	}
	for _, e := range ents {
		c := event.Join(rel, e.Name())
		if e.IsDir() {
			err = w.created(c, emit)
		} else {
			err = emit(event.Event{Op: event.Create, Path: c, Size: w.size(c)})
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (w *Watcher) size(rel string) int64 {
	fi, err := os.Lstat(joinAbs(w.abs, rel))
	if err != nil || !fi.Mode().IsRegular() {
		return 0
	}
	return fi.Size()
}

package action

import (
	"io/fs"
	"path/filepath"

	"github.com/luasync/luasync/runtime/event"
)

// expand turns each Rescan of a directory in b into what lsyncd reports
// when a directory appears: a Create of the directory, then a Create of
// every entry below it (parents first) that Keep keeps, as the source
// holds them now. The queue makes such Rescans where it cannot trust a
// rename or a lost watch, and lsyncd configs have no handler for them
// (onFull is for full syncs). owner maps each event of the result to the
// event of b it came from; nil when nothing was expanded. A Rescan of the
// root stays: it is the Init.
func (s *Sink) expand(b event.Batch) (event.Batch, []int) {
	found := false
	for _, ev := range b {
		if ev.Op == event.Rescan && ev.Path != "" {
			found = true
			break
		}
	}
	if !found {
		return b, nil
	}
	out := make(event.Batch, 0, len(b))
	owner := make([]int, 0, len(b))
	for i, ev := range b {
		if ev.Op != event.Rescan || ev.Path == "" {
			out, owner = append(out, ev), append(owner, i)
			continue
		}
		out, owner = append(out, event.Event{Op: event.Create, Path: ev.Path, IsDir: true, MayExist: true}), append(owner, i)
		root := filepath.Join(s.opts.Source, filepath.FromSlash(ev.Path))
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || p == root {
				return nil // gone meanwhile: its own events say so
			}
			rel, rerr := filepath.Rel(s.opts.Source, p)
			if rerr != nil {
				return nil
			}
			rel = filepath.ToSlash(rel)
			if s.opts.Keep != nil && !s.opts.Keep(rel, d.IsDir()) {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			out, owner = append(out, event.Event{Op: event.Create, Path: rel, IsDir: d.IsDir(), MayExist: true}), append(owner, i)
			return nil
		})
	}
	return out, owner
}

// fold gives each event of in the worst result of the events expand made
// from it.
func fold(in event.Batch, owner []int, res []event.Result) []event.Result {
	if owner == nil {
		return res
	}
	out := make([]event.Result, len(in))
	for i, ev := range in {
		out[i] = event.Result{Event: ev}
	}
	for j, r := range res {
		o := &out[owner[j]]
		if r.Outcome > o.Outcome {
			o.Outcome, o.Err = r.Outcome, r.Err
		}
	}
	return out
}

package queue

import (
	"time"

	"github.com/luasync/luasync/runtime/event"
)

// This file is the sink side of the model test: batches taken from the
// queue and applied by state to the target, one event at a time.

// implied is the version of a directory the sink had to create because a
// path below it arrived first; it never matches a source version, so a
// directory the queue forgot to sync shows in the final comparison.
const implied = -1

// apply applies one event by state, reading the source as it is now.
func (m *model) apply(ev event.Event) {
	m.logf("  apply %v", ev)
	switch ev.Op {
	case event.Create, event.Modify, event.Attrib:
		m.syncNode(ev.Path)
	case event.Delete:
		m.dst.removeTree(ev.Path)
	case event.Rescan:
		if ev.Scope != nil {
			m.rescanNarrowed(ev.Scope)
			return
		}
		m.rescan(ev.Path)
	case event.Move:
		if m.cfg.noRename {
			m.sendMove(ev)
			return
		}
		// Strict on purpose: a Move whose From is missing only syncs Path
		// (as after a retried rename that had already happened). If the
		// queue ever emitted a directory Move without the target holding
		// From, the directory's contents would be missing at the end.
		if m.dst.has(ev.From) {
			m.dst.removeTree(ev.Path)
			m.parents(ev.Path)
			moved := fsys{}
			for _, k := range m.dst.tree(ev.From) {
				moved[event.Rebase(k, ev.From, ev.Path)] = m.dst[k]
			}
			m.dst.removeTree(ev.From)
			for k, n := range moved {
				m.dst[k] = n
			}
		}
		m.syncNode(ev.Path)
	}
}

// sendMove applies a Move as a sink that cannot rename does (package
// rsync, to a daemon): From is deleted and Path sent as the source has it
// now; a directory by a rescan that clears what the target held there when
// the queue marked it Over, otherwise path by path, adding to it.
func (m *model) sendMove(ev event.Event) {
	m.dst.removeTree(ev.From)
	switch {
	case ev.IsDir && ev.Over:
		m.rescan(ev.Path)
	case ev.IsDir:
		m.syncNode(ev.Path)
		for _, k := range m.src.tree(ev.Path) {
			m.syncNode(k)
		}
	default:
		m.syncNode(ev.Path)
	}
}

// syncNode makes the target's path match the source's, not recursively.
func (m *model) syncNode(p string) {
	if p == "" {
		return
	}
	s, ok := m.src[p]
	if !ok {
		if m.cfg.deleteVanished {
			m.dst.removeTree(p)
		}
		return
	}
	m.parents(p)
	if d, had := m.dst[p]; had && d.dir != s.dir {
		m.dst.removeTree(p)
	}
	m.dst[p] = s
}

// rescan makes the target's subtree at p identical to the source's.
func (m *model) rescan(p string) {
	m.dst.removeTree(p)
	if !m.src.has(p) {
		return
	}
	m.parents(p)
	for _, k := range m.src.tree(p) {
		m.dst[k] = m.src[k]
	}
}

// parents creates missing parent directories, as rsync -R and the direct
// sink do.
func (m *model) parents(p string) {
	var missing []string
	for a := event.Parent(p); a != ""; a = event.Parent(a) {
		if d, ok := m.dst[a]; ok && d.dir {
			break
		}
		missing = append(missing, a)
	}
	for i := len(missing) - 1; i >= 0; i-- {
		m.dst.removeTree(missing[i])
		m.dst[missing[i]] = fsNode{dir: true, ver: implied}
	}
}

func (m *model) take() {
	if len(m.batches) >= m.cfg.workers {
		return
	}
	b := m.q.Take(m.now)
	if b == nil {
		return
	}
	m.logf("take %v", b)
	m.checkBatch(b)
	m.batches = append(m.batches, &batchRun{b: b})
}

// checkBatch verifies the ordering promises independently of the queue's
// own bookkeeping: no path twice in a batch, a directory's Create before
// what is below it, and no conflict with any event still in flight.
func (m *model) checkBatch(b event.Batch) {
	seen := map[string]int{}
	for i, ev := range b {
		if _, dup := seen[ev.Path]; dup {
			m.fail("batch holds %q twice: %v", ev.Path, b)
		}
		seen[ev.Path] = i
	}
	for i, ev := range b {
		if j, ok := seen[event.Parent(ev.Path)]; ok && ev.Path != "" && ev.Op != event.Delete && ev.Op != event.Rescan && b[j].Op == event.Create && b[j].IsDir && j > i {
			m.fail("batch has %v before its parent's %v", ev, b[j])
		}
	}
	for _, run := range m.batches {
		for _, x := range run.b {
			for _, y := range b {
				if conflict(x, y) {
					m.fail("new %v conflicts with in-flight %v", y, x)
				}
			}
		}
	}
}

// conflict is the "two batches never touch the same path" rule, written
// out independently of the queue.
func conflict(x, y event.Event) bool {
	for _, px := range touches(x) {
		for _, py := range touches(y) {
			switch {
			case px == py:
				return true
			case under(py, px) && reaches(x), under(px, py) && reaches(y):
				return true
			}
		}
	}
	return false
}

func reaches(ev event.Event) bool {
	return ev.Op == event.Delete || ev.Op == event.Rescan || ev.IsDir && (ev.Op == event.Create || ev.Op == event.Move)
}

func (m *model) applyOne() {
	var open []*batchRun
	for _, r := range m.batches {
		if r.next < len(r.b) {
			open = append(open, r)
		}
	}
	if len(open) == 0 {
		return
	}
	r := open[m.rng.Intn(len(open))]
	ev := r.b[r.next]
	r.next++
	m.applyMaybeFailing(r, ev)
}

// applyMaybeFailing applies ev; with retries on, some events fail before
// anything happened and some after (the sink applied it but could not
// confirm), and are requeued when the batch finishes.
func (m *model) applyMaybeFailing(r *batchRun, ev event.Event) {
	k := 100
	if m.cfg.retries {
		k = m.rng.Intn(100)
	}
	if k >= 5 {
		m.apply(ev)
	}
	if k < 10 {
		m.logf("  retry %v", ev)
		r.retry = append(r.retry, ev)
	}
}

func (m *model) finishOne() {
	for i, r := range m.batches {
		if r.next == len(r.b) {
			m.finish(i)
			return
		}
	}
}

func (m *model) finish(i int) {
	r := m.batches[i]
	m.batches = append(m.batches[:i], m.batches[i+1:]...)
	for _, ev := range r.retry {
		n := m.q.Attempts(ev.Path)
		notBefore := m.now.Add(time.Duration(m.rng.Intn(int(3*m.cfg.opts.Delay + 2))))
		m.logf("requeue %v (attempts %d)", ev, n)
		m.q.Requeue(ev, notBefore)
	}
	m.logf("done %v", r.b)
	m.q.Done(r.b)
}

// drain finishes everything: what is in flight is applied, and the queue is
// taken from, moving the clock to NextReady, until nothing is left. False if
// the queue gets stuck with entries pending and nothing in flight.
func (m *model) drain() bool {
	if m.cfg.flush {
		m.q.Flush()
	}
	for guard := 0; guard < 100000; guard++ {
		for len(m.batches) > 0 {
			r := m.batches[0]
			for ; r.next < len(r.b); r.next++ {
				m.applyMaybeFailing(r, r.b[r.next])
			}
			m.finish(0)
		}
		if m.q.Len() == 0 && m.q.InFlight() == 0 {
			return true
		}
		t, ok := m.q.NextReady(m.now)
		if !ok {
			return false
		}
		m.now = t
		m.take()
		if err := m.q.check(); err != nil {
			m.fail("drain: invariant: %v", err)
			return true
		}
		if len(m.batches) == 0 {
			m.now = m.now.Add(1) // NextReady may promise early; let time pass
		}
	}
	return false
}

package probe

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// watchMask is every change a tool can make to the target. All of them
// count as target activity (for the converge time); close-write, moved-to
// and new directories also resolve arrivals.
const watchMask = unix.IN_CREATE | unix.IN_CLOSE_WRITE | unix.IN_MOVED_TO | unix.IN_MOVED_FROM |
	unix.IN_DELETE | unix.IN_ATTRIB | unix.IN_DONT_FOLLOW | unix.IN_ONLYDIR

// Probe watches one target tree.
type Probe struct {
	root string
	file *os.File
	fd   int
	done chan struct{}

	mu        sync.Mutex
	wds       map[int32]string // watch -> directory, relative to root
	paths     map[string]*track
	all       []*version // every version ever expected, for Results
	open      int        // versions neither arrived nor dropped
	events    uint64
	last      time.Time
	overflows int
	err       error
	stopped   bool // Stop was called
}

// Start watches every directory under root, now and as they appear.
func Start(root string) (*Probe, error) {
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("watch target %s: %w", root, err)
	}
	p := &Probe{
		root:  root,
		fd:    fd,
		file:  os.NewFile(uintptr(fd), "inotify"), // non-blocking: Close wakes Read
		done:  make(chan struct{}),
		wds:   map[int32]string{},
		paths: map[string]*track{},
	}
	p.mu.Lock()
	err = p.addTree("", time.Now())
	p.mu.Unlock()
	if err != nil {
		p.file.Close()
		return nil, err
	}
	go p.loop()
	return p, nil
}

// Stop ends the watch and returns the first error the watch loop met.
func (p *Probe) Stop() error {
	// Events the loop has read but not handled are dropped from here on:
	// handling one could add a watch on the descriptor closed below.
	p.mu.Lock()
	p.stopped = true
	p.mu.Unlock()
	p.file.Close()
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// Expect registers that rel is about to hold size bytes. Call it before
// the last write, and Done just before close().
func (p *Probe) Expect(rel string, size int64) *Pending {
	p.mu.Lock()
	defer p.mu.Unlock()
	v := &version{size: size}
	p.all = append(p.all, v)
	p.add(rel, v)
	return &Pending{versions: []*version{v}}
}

// Move registers, before the rename, that from (a file, or a directory
// with every tracked path under it) is about to become to: open versions
// move along, and the current content is expected at the new path.
func (p *Probe) Move(from, to string) *Pending {
	p.mu.Lock()
	defer p.mu.Unlock()
	pend := &Pending{}
	for rel, t := range p.paths {
		if !within(rel, from) {
			continue
		}
		delete(p.paths, rel)
		last := t.last()
		newRel := to + rel[len(from):]
		for _, v := range t.versions {
			if v.open() {
				p.open--
				p.add(newRel, v)
			}
		}
		if last != nil {
			v := &version{size: last.size}
			p.all = append(p.all, v)
			p.add(newRel, v)
			pend.versions = append(pend.versions, v)
		}
	}
	return pend
}

// Forget drops rel and everything tracked under it (a delete): its open
// versions are no longer expected and are not samples.
func (p *Probe) Forget(rel string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for r, t := range p.paths {
		if within(r, rel) {
			for _, v := range t.versions {
				if v.open() {
					v.dropped = true
					p.open--
				}
			}
			delete(p.paths, r)
		}
	}
}

// Done stamps the close time of what Expect or Move returned.
func (p *Probe) Done(pend *Pending, closed time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, v := range pend.versions {
		v.closed = closed
	}
}

func (p *Probe) add(rel string, v *version) {
	t := p.paths[rel]
	if t == nil {
		t = &track{}
		p.paths[rel] = t
	}
	t.versions = append(t.versions, v)
	p.open++
	// A fast tool may have shipped this content already.
	p.check(rel, time.Now())
}

// Open is how many expected versions have neither arrived nor been dropped.
func (p *Probe) Open() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.open
}

// Activity returns how many target events were seen and when the last
// one was read.
func (p *Probe) Activity() (uint64, time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.events, p.last
}

// Overflows is how many times the kernel's inotify queue overflowed.
func (p *Probe) Overflows() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.overflows
}

// Results returns the latency of every arrived version (close to arrival;
// zero if it arrived before its close was stamped) and how many are still
// open.
func (p *Probe) Results() (lat []time.Duration, open int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, v := range p.all {
		if !v.arrived.IsZero() && !v.closed.IsZero() {
			lat = append(lat, max(v.arrived.Sub(v.closed), 0))
		}
	}
	return lat, p.open
}

// check resolves rel's open versions if the target now holds one of them.
func (p *Probe) check(rel string, now time.Time) {
	t := p.paths[rel]
	if t == nil || t.openCount() == 0 {
		return
	}
	fi, err := os.Lstat(filepath.Join(p.root, rel))
	if err != nil || !fi.Mode().IsRegular() {
		return
	}
	p.open -= t.resolve(fi.Size(), now)
}

// addTree watches dir and every directory under it, and checks the files
// found there: anything written before the watch existed is seen too.
func (p *Probe) addTree(dir string, now time.Time) error {
	abs := filepath.Join(p.root, dir)
	wd, err := unix.InotifyAddWatch(p.fd, abs, watchMask)
	if err != nil {
		if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR) {
			return nil // gone again, or replaced: its own events follow
		}
		if errors.Is(err, unix.ENOSPC) {
			return fmt.Errorf("watch target %s: out of inotify watches (raise fs.inotify.max_user_watches): %w", abs, err)
		}
		return fmt.Errorf("watch target %s: %w", abs, err)
	}
	p.wds[int32(wd)] = dir // a moved directory keeps its wd: the path is refreshed
	ents, err := os.ReadDir(abs)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("watch target %s: %w", abs, err)
	}
	for _, e := range ents {
		rel := join(dir, e.Name())
		if e.IsDir() {
			if err := p.addTree(rel, now); err != nil {
				return err
			}
		} else {
			p.check(rel, now)
		}
	}
	return nil
}

func join(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

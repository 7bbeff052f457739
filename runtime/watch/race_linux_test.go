//go:build linux && !watch_fsnotify

package watch

import (
	"context"
	"io/fs"
	"log/slog"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/luasync/luasync/runtime/event"
)

// race is one interleaving of the watcher's own work with changes it has
// not read yet. act starts it; a hook, fired once, changes the tree at the
// exact point named: before the event at a path is handled (on), or after
// the watch of a new directory is added and before it is listed (watched).
type race struct {
	name    string
	setup   func(t *testing.T, root, out string)
	act     func(t *testing.T, root, out string)
	on      string // "MASK path", e.g. "CREATE tmp"
	watched string // a directory's path
	hook    func(t *testing.T, root, out string)
}

var races = []race{{
	name: "renamed before its watch is added",
	act:  func(t *testing.T, root, _ string) { mkdirs(t, root, "tmp/a/b"); mustWrite(t, root+"/tmp/a/f", "x") },
	on:   "CREATE tmp",
	hook: func(t *testing.T, root, _ string) { mustRename(t, root+"/tmp", root+"/moved") },
}, {
	name:    "renamed between its watch and its listing, a namesake made",
	act:     func(t *testing.T, root, _ string) { mkdirs(t, root, "tmp/a") },
	watched: "tmp",
	hook: func(t *testing.T, root, _ string) {
		mustRename(t, root+"/tmp", root+"/moved")
		mkdirs(t, root, "tmp/x")
	},
}, {
	name: "replaced by a namesake before its create is read",
	act:  func(t *testing.T, root, _ string) { mkdirs(t, root, "x") },
	on:   "CREATE x",
	hook: func(t *testing.T, root, _ string) {
		mustRename(t, root+"/x", root+"/y")
		mkdirs(t, root, "x/sub", "y/ysub")
	},
}, {
	name: "moved twice before its events are read",
	act:  func(t *testing.T, root, _ string) { mkdirs(t, root, "a/b") },
	on:   "CREATE a",
	hook: func(t *testing.T, root, _ string) {
		mustRename(t, root+"/a", root+"/b2")
		mustRename(t, root+"/b2", root+"/c")
		mkdirs(t, root, "c/b/late")
	},
}, {
	name:  "moved out of the tree and back in",
	setup: func(t *testing.T, root, _ string) { mkdirs(t, root, "d/e") },
	act:   func(t *testing.T, root, _ string) { mustWrite(t, root+"/go", "") },
	on:    "CREATE go",
	hook: func(t *testing.T, root, out string) {
		mustRename(t, root+"/d", out+"/d")
		mkdirs(t, out, "d/new")
		mustRename(t, out+"/d", root+"/back")
	},
}, {
	name:  "parent renamed while a child is created",
	setup: func(t *testing.T, root, _ string) { mkdirs(t, root, "p") },
	act:   func(t *testing.T, root, _ string) { mkdirs(t, root, "p/c") },
	on:    "CREATE p/c",
	hook: func(t *testing.T, root, _ string) {
		mustRename(t, root+"/p", root+"/q")
		mkdirs(t, root, "q/c/deeper", "p/new")
	},
}, {
	name:  "renamed again while its first rename is half read",
	setup: func(t *testing.T, root, _ string) { mkdirs(t, root, "s/t") },
	act:   func(t *testing.T, root, _ string) { mustRename(t, root+"/s", root+"/u") },
	on:    "MOVED_FROM s",
	hook: func(t *testing.T, root, _ string) {
		mustRename(t, root+"/u", root+"/v")
		mkdirs(t, root, "s", "v/t/w")
	},
}, {
	name:    "a chain renamed at two levels while it is made",
	act:     func(t *testing.T, root, _ string) { mkdirs(t, root, "c1/c2/c3/c4") },
	watched: "c1/c2",
	hook: func(t *testing.T, root, _ string) {
		mustRename(t, root+"/c1", root+"/k1")
		mustRename(t, root+"/k1/c2/c3", root+"/k1/c3x")
	},
}, {
	name:  "renamed over an empty directory, a namesake made at once",
	setup: func(t *testing.T, root, _ string) { mkdirs(t, root, "a/x", "b") },
	act:   func(t *testing.T, root, _ string) { must(t, unix.Rename(root+"/a", root+"/b")) },
	on:    "MOVED_FROM a",
	hook:  func(t *testing.T, root, _ string) { mkdirs(t, root, "a/new") },
}, {
	name:  "two directories swapped through a temporary name",
	setup: func(t *testing.T, root, _ string) { mkdirs(t, root, "p/pp", "q/qq") },
	act: func(t *testing.T, root, _ string) {
		mustRename(t, root+"/p", root+"/tmp")
		mustRename(t, root+"/q", root+"/p")
		mustRename(t, root+"/tmp", root+"/q")
	},
}}

// TestRaces: whatever the interleaving, once the watcher has caught up its
// tree holds every directory at its path (by inode), and a file written
// into any directory afterwards is reported at its right path.
func TestRaces(t *testing.T) {
	for _, rc := range races {
		t.Run(rc.name, func(t *testing.T) {
			root, out := t.TempDir(), t.TempDir()
			if rc.setup != nil {
				rc.setup(t, root, out)
			}
			fired, acted := make(chan struct{}), make(chan struct{})
			fire := func() {
				select {
				case <-fired:
					return
				default:
				}
				// After act (which the event may overtake), and on a
				// goroutine of its own so a failing step cannot stop
				// the watcher's.
				<-acted
				done := make(chan struct{})
				go func() { defer close(done); rc.hook(t, root, out) }()
				<-done
				close(fired)
			}
			hookEvent = func(mask uint32, rel string) {
				if rc.on != "" && rc.on == maskName(mask)+" "+rel {
					fire()
				}
			}
			hookWatched = func(rel string) {
				if rc.watched != "" && rel == rc.watched {
					fire()
				}
			}
			t.Cleanup(func() { hookEvent, hookWatched = nil, nil })
			r := start(t, root, Options{})
			rc.act(t, root, out)
			close(acted)
			if rc.hook != nil && !eventually(func() bool {
				select {
				case <-fired:
					return true
				default:
					return false
				}
			}) {
				t.Fatal("the race's hook never fired")
			}
			flush(t, r.w)
			checkTree(t, r.w, root)
			probes := probeAll(t, root)
			flush(t, r.w)
			evs := r.events()
			for _, p := range probes {
				if !has(evs, "Create "+p) {
					t.Errorf("no Create %s; last events:\n%s", p, strings.Join(tail(showAll(evs), 30), "\n"))
				}
			}
		})
	}
}

func maskName(mask uint32) string {
	switch {
	case mask&unix.IN_CREATE != 0:
		return "CREATE"
	case mask&unix.IN_MOVED_FROM != 0:
		return "MOVED_FROM"
	case mask&unix.IN_MOVED_TO != 0:
		return "MOVED_TO"
	case mask&unix.IN_DELETE != 0:
		return "DELETE"
	}
	return "OTHER"
}

func mkdirs(t *testing.T, root string, rels ...string) {
	t.Helper()
	for _, rel := range rels {
		mustMkdir(t, filepath.Join(root, rel))
	}
}

func flush(t *testing.T, w *Watcher) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if _, err := w.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
}

// checkTree compares the watcher's tree with the directories under root:
// the same paths, each watched on the inode that is there. Call it after
// Flush, with nothing changing.
func checkTree(t *testing.T, w *Watcher, root string) {
	t.Helper()
	want := map[string]uint64{}
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			var st unix.Stat_t
			must(t, unix.Lstat(p, &st))
			rel, _ := filepath.Rel(root, p)
			want[filepath.ToSlash(strings.TrimPrefix(rel, "."))] = st.Ino
		}
		return nil
	})
	got := map[string]uint64{}
	for _, n := range w.tree.Load().byWD {
		got[n.path()] = n.id.ino
	}
	var diff []string
	for p, ino := range want {
		if g, ok := got[p]; !ok {
			diff = append(diff, "not watched: "+p)
		} else if g != ino {
			diff = append(diff, "watched on the wrong inode: "+p)
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			diff = append(diff, "watched but not there: "+p)
		}
	}
	sort.Strings(diff)
	if len(diff) > 0 {
		t.Errorf("tree differs from the file system:\n%s", strings.Join(diff, "\n"))
	}
}

// probeAll writes a file named probe into every directory under root and
// returns their paths.
func probeAll(t *testing.T, root string) []string {
	t.Helper()
	var probes []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			probes = append(probes, event.Join(filepath.ToSlash(strings.TrimPrefix(rel, ".")), "probe"))
		}
		return nil
	})
	for _, p := range probes {
		mustWrite(t, filepath.Join(root, p), "p")
	}
	return probes
}

func tail(s []string, n int) []string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return slices.Clip(s)
}

// TestUnwatchableDirectoryIsRetried: a directory that exists but cannot be
// watched (here: the process is out of file descriptors) is logged as an
// error and retried until it is watched, never skipped.
func TestUnwatchableDirectoryIsRetried(t *testing.T) {
	root := t.TempDir()
	var logged lockedLog
	r := start(t, root, Options{Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	flush(t, r.w)
	var lim unix.Rlimit
	must(t, unix.Getrlimit(unix.RLIMIT_NOFILE, &lim))
	low := lim
	low.Cur = lowestFreeFD(t) // every descriptor number below it is taken
	must(t, unix.Setrlimit(unix.RLIMIT_NOFILE, &low))
	restored := false
	restore := func() {
		if !restored {
			restored = true
			must(t, unix.Setrlimit(unix.RLIMIT_NOFILE, &lim))
		}
	}
	defer restore()
	must(t, unix.Mkdir(root+"/d", 0o755))
	if !eventually(func() bool { return strings.Contains(logged.String(), "will retry") }) {
		restore()
		t.Fatalf("no error logged for the directory that could not be watched:\n%s\nevents %q watches %d", logged.String(), showAll(r.events()), r.w.Watches())
	}
	restore()
	if !strings.Contains(logged.String(), "level=ERROR") {
		t.Errorf("not logged as an error:\n%s", logged.String())
	}
	waitWatches(t, r.w, 2)
	mustWrite(t, root+"/d/f", "x")
	r.waitFor(t, "Create d/f", func(evs []event.Event) bool { return has(evs, "Create d/f") })
}

// lowestFreeFD is the lowest descriptor number not in use.
func lowestFreeFD(t *testing.T) uint64 {
	fd, err := unix.Dup(0)
	must(t, err)
	unix.Close(fd)
	return uint64(fd)
}

// lockedLog collects a logger's output from the watcher's goroutine.
type lockedLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestMovedAwayAndBackBeforeRead: a directory renamed away, written into
// and renamed back before the watcher reads the first rename (torture seed
// 135088, direct/tmpfs). The new name cannot be opened when the first
// rename is read, so the tree keeps the directory at its first name, and
// the file is reported there, between the two Moves: at its final place,
// before the rename that takes it there. The events still name it; the
// queue keeps such a change through the rename back (TestSubtrees, "a
// create reported at a directory's new name before the rename that took
// it there").
func TestMovedAwayAndBackBeforeRead(t *testing.T) {
	root := t.TempDir()
	mkdirs(t, root, "w/b")
	hookEvent = func(mask uint32, rel string) {
		if maskName(mask) == "MOVED_FROM" && rel == "w/b" {
			hookEvent = nil
			mustWrite(t, root+"/w/o/x", "x")
			mustRename(t, root+"/w/o", root+"/w/b")
		}
	}
	t.Cleanup(func() { hookEvent = nil })
	r := start(t, root, Options{})
	mustRename(t, root+"/w/b", root+"/w/o")
	flush(t, r.w)
	checkTree(t, r.w, root)
	evs := r.events()
	named := false
	for _, e := range evs {
		named = named || e.Op != event.Delete && (e.Path == "w/b/x" || e.Path == "w/o/x") ||
			e.Op == event.Rescan && (event.Within("w/b/x", e.Path) || event.Within("w/o/x", e.Path))
	}
	if !named {
		t.Errorf("x never reported; events:\n%s", strings.Join(showAll(evs), "\n"))
	}
}

package watch

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
)

// Mode selects which kernel event means "a file's content changed".
type Mode uint8

const (
	// CloseWrite reports content changes when a writer closes the file
	// (IN_CLOSE_WRITE), as lsyncd does by default: one event per save,
	// never a half-written file. A change made without opening the file
	// (truncate(2) by path) is reported when it happens: nothing closes.
	CloseWrite Mode = iota
	// Modify reports every write (IN_MODIFY): sooner, but a sink may copy a
	// file that is still being written, and files written through mmap or
	// held open for long (logs) are seen.
	Modify
	// CloseWriteOrModify reports both.
	CloseWriteOrModify
)

func (m Mode) String() string {
	switch m {
	case CloseWrite:
		return "CloseWrite"
	case Modify:
		return "Modify"
	case CloseWriteOrModify:
		return "CloseWrite or Modify"
	}
	return fmt.Sprintf("Mode(%d)", uint8(m))
}

// Options tune a Watcher. The zero value is usable.
type Options struct {
	// Mode is the content-change event; CloseWrite by default.
	Mode Mode
	// Skip reports whether a path (relative, "" never asked) is excluded. An
	// excluded directory gets no watch and nothing under it is reported; an
	// excluded file's events are dropped. May be nil. It is called from
	// several goroutines at once while a tree is walked.
	Skip func(rel string, isDir bool) bool
	// PathSkip says that Skip looks at more than a directory's own name
	// (an anchored or multi-segment pattern, a filter function): after a
	// directory is renamed, every directory below it is listed again, so
	// that those its new path no longer excludes are watched and reported.
	PathSkip bool
	// Logger receives warnings (unreadable directories) and the fatal error
	// Run returns; nil means slog.Default().
	Logger *slog.Logger
	// Workers is how many directories are read and watched at once while a
	// whole tree is walked (Open, overflow rescans); 0 picks 2*GOMAXPROCS
	// between 4 and 32.
	Workers int
}

func (o Options) skip(rel string, isDir bool) bool {
	return o.Skip != nil && rel != "" && o.Skip(rel, isDir)
}

func (o Options) logger() *slog.Logger {
	if o.Logger != nil {
		return o.Logger
	}
	return slog.Default()
}

// workers bounds the default so a big machine does not open hundreds of
// directories at once, and a small one still overlaps disk waits.
func (o Options) workers() int {
	if o.Workers > 0 {
		return o.Workers
	}
	return min(max(2*runtime.GOMAXPROCS(0), 4), 32)
}

// resolveRoot checks that root is an existing directory and returns its
// absolute, symlink-free path: the tree below it is watched without following
// links, but an operator's /srv/www -> /data/www link is honoured once, here.
func resolveRoot(root string) (string, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return "", fmt.Errorf("watch %s: %w", root, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return "", fmt.Errorf("watch %s: %w", root, err)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("watch %s: not a directory", root)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", fmt.Errorf("watch %s: %w", root, err)
	}
	return real, nil
}

// joinAbs turns a relative path into one under the resolved root dir.
func joinAbs(dir, rel string) string {
	switch {
	case rel == "":
		return dir
	case len(dir) > 0 && os.IsPathSeparator(dir[len(dir)-1]):
		return dir + filepath.FromSlash(rel)
	}
	return dir + string(filepath.Separator) + filepath.FromSlash(rel)
}

package rsync

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
)

// expand calls add for every entry below the source directory rel that
// Keep keeps, but files still being written (Options.Writing), parents
// before children, without following symlinks (rel
// included: a directory that has become a symlink is not entered). A
// directory that cannot be read is left to rsync, which reports it.
func (s *Sink) expand(ctx context.Context, rel string, add func(string)) {
	if fi, err := os.Lstat(filepath.Join(s.opts.Source, rel)); err != nil || !fi.IsDir() {
		return
	}
	walk(ctx, s.opts.Source, rel, func(child string, isDir bool) bool {
		if !s.keeps(child, isDir) {
			return false
		}
		if !isDir && s.opts.Writing != nil && s.opts.Writing(child) {
			return false
		}
		add(child)
		return true
	})
}

// keepExcludes walks the subtree rel and returns an rsync exclude rule for
// each entry Keep drops (and nothing below it), NUL-separated for --from0
// --exclude-from=-. Rules are anchored ("/a/b") because a Rescan runs with
// --relative from the source root.
//
// The walk covers the source, and the target too when it is local, so an
// excluded file only the target has is protected from --delete, as the
// direct sink protects it. A remote target is not listed: there, only
// Excludes (patterns rsync applies itself) protect target-only files, and
// a target-only file that only a Lua filter would exclude is deleted by a
// full sync like any other stray.
func (s *Sink) keepExcludes(ctx context.Context, rel string) []byte {
	var b bytes.Buffer
	seen := map[string]bool{}
	visit := func(child string, isDir bool) bool {
		if s.opts.Keep(child, isDir) {
			return true
		}
		if !seen[child] {
			seen[child] = true
			b.WriteString("/" + escapePattern(child))
			b.WriteByte(0)
		}
		return false
	}
	walk(ctx, s.opts.Source, rel, visit)
	if s.opts.Target.Kind == Local {
		walk(ctx, s.opts.Target.Path, rel, visit)
	}
	return b.Bytes()
}

// walk calls visit for each entry below root/rel, and descends into a
// directory when visit returns true.
func walk(ctx context.Context, root, rel string, visit func(rel string, isDir bool) bool) {
	if ctx.Err() != nil {
		return
	}
	ents, err := os.ReadDir(filepath.Join(root, rel))
	if err != nil {
		return
	}
	for _, e := range ents {
		child := e.Name()
		if rel != "" {
			child = rel + "/" + child
		}
		if visit(child, e.IsDir()) && e.IsDir() {
			walk(ctx, root, child, visit)
		}
	}
}

// escapePattern makes a path an rsync pattern that matches only itself.
// rsync compares a pattern without wildcards literally, backslashes
// included; one with '*', '?' or '[' goes through wildmatch, where a
// backslash escapes the next character.
func escapePattern(rel string) string {
	if !strings.ContainsAny(rel, "*?[") {
		return rel
	}
	var b strings.Builder
	for i := 0; i < len(rel); i++ {
		if strings.IndexByte(`\*?[`, rel[i]) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(rel[i])
	}
	return b.String()
}

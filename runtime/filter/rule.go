package filter

import (
	"errors"
	"strings"
)

// matchMode says which part of a path a pattern is matched against.
type matchMode uint8

const (
	// byName: no '/' and no "**": the final path component, at any depth.
	byName matchMode = iota
	// fromRoot: a leading '/': the whole path relative to the sync's root.
	fromRoot
	// bySuffix: a '/' inside or a "**": the end of the path, starting on a
	// component boundary.
	bySuffix
)

// rule is one compiled include or exclude pattern.
type rule struct {
	include bool
	dirOnly bool
	mode    matchMode
	g       glob
	// components is how many path components a bySuffix pattern without
	// "**" spans, so it is tried once, on the last that many components.
	components int
	// crossSlash: the pattern holds "**", so a bySuffix match is tried
	// after every '/'.
	crossSlash bool
	// afterWild2 is an unanchored pattern minus its leading "**/": rsync
	// lets "**/foo" match a top-level "foo" too (its WILD2_PREFIX rule).
	afterWild2 *glob
	// dirItself is "X" for a pattern "X/***", which matches the directory
	// X as well as everything under it.
	dirItself *glob
}

func compileGlobPtr(p string) (*glob, error) {
	g, err := compileGlob(p)
	if err != nil {
		return nil, err
	}
	return &g, nil
}

var errEmptyPattern = errors.New("empty pattern")

// compileRule compiles one rsync pattern (without its "+ " or "- ").
func compileRule(p string, include bool) (*rule, error) {
	r := &rule{include: include}
	if p == "" {
		return nil, errEmptyPattern
	}
	wild3 := strings.HasSuffix(p, "/***")
	if !wild3 && len(p) > 1 && strings.HasSuffix(p, "/") {
		r.dirOnly = true
		p = strings.TrimSuffix(p, "/")
	}
	r.mode = modeOf(p)
	if r.mode == fromRoot {
		p = p[1:]
	}
	var err error
	if r.g, err = compileGlob(p); err != nil {
		return nil, err
	}
	r.crossSlash = isWild(p) && strings.Contains(p, "**")
	r.components = strings.Count(p, "/") + 1
	if wild3 {
		if r.dirItself, err = compileGlobPtr(strings.TrimSuffix(p, "/***")); err != nil {
			return nil, err
		}
	}
	if rest, ok := strings.CutPrefix(p, "**/"); ok && r.mode == bySuffix {
		if r.afterWild2, err = compileGlobPtr(rest); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func modeOf(p string) matchMode {
	switch {
	case strings.HasPrefix(p, "/"):
		return fromRoot
	case strings.Contains(p, "/") || (isWild(p) && strings.Contains(p, "**")):
		return bySuffix
	}
	return byName
}

// matches reports whether the rule matches path (relative, no leading or
// trailing slash) whose final component is name.
func (r *rule) matches(path, name string, isDir bool) bool {
	if r.dirOnly && !isDir {
		return false
	}
	if r.matchWith(&r.g, path, name) {
		return true
	}
	if r.afterWild2 != nil && r.afterWild2.match(path) {
		return true
	}
	// "X/***": X/** matched what is under X; X itself matches as a dir.
	return r.dirItself != nil && isDir && r.matchWith(r.dirItself, path, name)
}

func (r *rule) matchWith(g *glob, path, name string) bool {
	switch r.mode {
	case byName:
		return g.match(name)
	case fromRoot:
		return g.match(path)
	}
	if !r.crossSlash {
		return g.match(lastComponents(path, r.components))
	}
	// With "**" the pattern may span any number of components: try the
	// whole path, then the text after each '/'.
	for s := path; ; {
		if g.match(s) {
			return true
		}
		i := strings.IndexByte(s, '/')
		if i < 0 {
			return false
		}
		s = s[i+1:]
	}
}

// lastComponents returns the final n '/'-separated components of path (all
// of it when it has fewer).
func lastComponents(path string, n int) string {
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '/' {
			n--
			if n == 0 {
				return path[i+1:]
			}
		}
	}
	return path
}

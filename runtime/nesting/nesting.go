package nesting

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Overlap is how a target directory relates to its source.
type Overlap uint8

const (
	Disjoint       Overlap = iota // neither holds the other
	Same                          // one directory
	TargetInSource                // the target lies below the source
	SourceInTarget                // the source lies below the target
)

// Of compares source and target, absolute paths, as written and then with
// symlinks resolved (in the longest existing prefix of each, so a target
// that does not exist yet is compared too). The first overlap found wins.
func Of(source, target string) Overlap {
	src, dst := filepath.Clean(source), filepath.Clean(target)
	for _, p := range [][2]string{{src, dst}, {Resolve(src), Resolve(dst)}} {
		switch s, d := p[0], p[1]; {
		case s == d:
			return Same
		case Within(d, s):
			return TargetInSource
		case Within(s, d):
			return SourceInTarget
		}
	}
	return Disjoint
}

// Check returns an error naming both paths if they overlap, nil if not.
func Check(source, target string) error {
	switch Of(source, target) {
	case Same:
		return fmt.Errorf("target %s is the source directory itself", target)
	case TargetInSource:
		return fmt.Errorf("target %s is inside source %s: the mirror would copy itself", target, source)
	case SourceInTarget:
		return fmt.Errorf("source %s is inside target %s: a full sync would delete it", source, target)
	}
	return nil
}

// Resolve resolves symlinks in the longest existing prefix of the absolute
// path p and appends the rest unchanged.
func Resolve(p string) string {
	p, rest := filepath.Clean(p), ""
	for {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Join(r, rest)
		}
		parent := filepath.Dir(p)
		if parent == p {
			return filepath.Join(p, rest)
		}
		rest = filepath.Join(filepath.Base(p), rest)
		p = parent
	}
}

// Within reports whether the clean absolute path p is dir or lies below it.
func Within(p, dir string) bool {
	return p == dir || dir == "/" || strings.HasPrefix(p, dir+"/")
}

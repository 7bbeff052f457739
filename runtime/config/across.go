package config

import (
	"fmt"
	"strings"

	"github.com/luasync/luasync/runtime/filter"
	"github.com/luasync/luasync/runtime/nesting"
)

// validateAcross checks the syncs against each other: unique names, no two
// local targets that are the same or where one sync's deletes would remove
// another's files, and no chain of syncs that mirrors back into itself.
func (c *Config) validateAcross() []error {
	var errs []error
	add := func(s *Sync, key, format string, args ...any) {
		errs = append(errs, &Error{Pos: c.posOr(s.Pos), Table: "sync{}", Key: key, Msg: fmt.Sprintf(format, args...)})
	}
	names := map[string]*Sync{}
	for i := range c.Syncs {
		s := &c.Syncs[i]
		if first, ok := names[s.Name]; ok && s.Name != "" {
			add(s, "name", "%q is already the name of the sync{} at %s", s.Name, c.posOr(first.Pos))
			continue
		}
		names[s.Name] = s
	}
	local := c.localTargets()
	for i, a := range local {
		for _, b := range local[:i] {
			if msg := targetClash(a, b); msg != "" {
				add(a.s, targetKeyOf(a), "%s (the sync{} at %s)", msg, c.posOr(b.s.Pos))
			}
		}
	}
	for _, t := range c.loopingSyncs(local) {
		add(t.s, targetKeyOf(t), "%s is inside the source of another sync{} that, directly or through others, mirrors back into %s: the syncs would copy each other's changes forever", t.target, t.s.Source)
	}
	return errs
}

// localTarget is one local directory a sync writes into: a direct sync's
// target, or a local target of an rsync sync.
type localTarget struct {
	s      *Sync
	target string
}

// localTargets returns the local targets worth comparing, by sync.
func (c *Config) localTargets() []localTarget {
	var out []localTarget
	for i := range c.Syncs {
		s := &c.Syncs[i]
		if s.Source == "" {
			continue
		}
		switch {
		case s.Kind == "direct" && s.Target != "":
			out = append(out, localTarget{s, s.Target})
		case s.Kind == "rsync":
			for _, p := range rsyncTargetPaths(s) {
				out = append(out, localTarget{s, p})
			}
		}
	}
	return out
}

// targetKeyOf names the key a local target came from, for messages.
func targetKeyOf(t localTarget) string {
	if t.s.Kind == "rsync" && t.s.Target == "" {
		return "targets"
	}
	return "target"
}

// targetClash explains why a and b cannot share their targets, or returns "".
func targetClash(a, b localTarget) string {
	ta, tb := nesting.Resolve(a.target), nesting.Resolve(b.target)
	switch {
	case ta == tb && a.s == b.s:
		return "" // listed twice in one sync: reported on its own
	case ta == tb:
		return fmt.Sprintf("%s is also the target of another sync", a.target)
	case nesting.Within(ta, tb) && deletesOver(b.s, tb, ta):
		return fmt.Sprintf("%s is inside the target %s of another sync, whose deletes would remove what this one writes", a.target, b.target)
	case nesting.Within(tb, ta) && deletesOver(a.s, ta, tb):
		return fmt.Sprintf("%s holds the target %s of another sync, and this sync's deletes would remove what that one writes", a.target, b.target)
	}
	return ""
}

// deletesOver reports whether outer, mirroring into outerTarget, would
// delete in inner (a path under outerTarget): it deletes, and its filter
// does not exclude that subtree.
func deletesOver(outer *Sync, outerTarget, inner string) bool {
	if !outer.Delete && !outer.FullDelete {
		return false
	}
	f, err := filter.New(outer.FilterOptions())
	if err != nil {
		return true // reported on its own; assume the worst here
	}
	return !f.Skip(strings.TrimPrefix(inner[len(outerTarget):], "/"), true)
}

// loopingSyncs returns the local targets on a cycle of "mirrors into the
// source of".
func (c *Config) loopingSyncs(local []localTarget) []localTarget {
	feeds := func(a, b localTarget) bool {
		return a.s != b.s && nesting.Within(nesting.Resolve(a.target), nesting.Resolve(b.s.Source))
	}
	var out []localTarget
	for i, start := range local {
		seen := map[int]bool{}
		stack := []int{i}
		for len(stack) > 0 && !seen[i] {
			cur := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for j, next := range local {
				if !seen[j] && feeds(local[cur], next) {
					seen[j] = true
					stack = append(stack, j)
				}
			}
		}
		if seen[i] {
			out = append(out, start)
		}
	}
	return out
}

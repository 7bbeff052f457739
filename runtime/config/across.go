package config

import (
	"fmt"
	"strings"

	"github.com/luasync/luasync/runtime/filter"
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
	local := c.localSyncs()
	for i, a := range local {
		for _, b := range local[:i] {
			if msg := targetClash(a, b); msg != "" {
				add(a, "target", "%s (the sync{} at %s)", msg, c.posOr(b.Pos))
			}
		}
	}
	for _, s := range c.loopingSyncs(local) {
		add(s, "target", "%s is inside the source of another sync{} that, directly or through others, mirrors back into %s: the syncs would copy each other's changes forever", s.Target, s.Source)
	}
	return errs
}

// localSyncs returns the syncs whose source and target are local paths
// worth comparing.
func (c *Config) localSyncs() []*Sync {
	var out []*Sync
	for i := range c.Syncs {
		s := &c.Syncs[i]
		if s.Kind == "direct" && s.Source != "" && s.Target != "" {
			out = append(out, s)
		}
	}
	return out
}

// targetClash explains why a and b cannot share their targets, or returns "".
func targetClash(a, b *Sync) string {
	ta, tb := realPath(a.Target), realPath(b.Target)
	switch {
	case ta == tb:
		return fmt.Sprintf("%s is also the target of another sync", a.Target)
	case within(ta, tb) && deletesOver(b, tb, ta):
		return fmt.Sprintf("%s is inside the target %s of another sync, whose deletes would remove what this one writes", a.Target, b.Target)
	case within(tb, ta) && deletesOver(a, ta, tb):
		return fmt.Sprintf("%s holds the target %s of another sync, and this sync's deletes would remove what that one writes", a.Target, b.Target)
	}
	return ""
}

// deletesOver reports whether outer, mirroring into outerTarget, would
// delete in inner (a path under outerTarget): it deletes, and its filter
// does not exclude that subtree.
func deletesOver(outer *Sync, outerTarget, inner string) bool {
	if !outer.Delete {
		return false
	}
	f, err := filter.New(outer.FilterOptions())
	if err != nil {
		return true // reported on its own; assume the worst here
	}
	return !f.Skip(strings.TrimPrefix(inner[len(outerTarget):], "/"), true)
}

// loopingSyncs returns the syncs on a cycle of "mirrors into the source of".
func (c *Config) loopingSyncs(local []*Sync) []*Sync {
	feeds := func(a, b *Sync) bool { return within(realPath(a.Target), realPath(b.Source)) }
	var out []*Sync
	for _, start := range local {
		seen := map[*Sync]bool{}
		stack := []*Sync{start}
		for len(stack) > 0 && !seen[start] {
			s := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, next := range local {
				if next != s && !seen[next] && feeds(s, next) {
					seen[next] = true
					stack = append(stack, next)
				}
			}
		}
		if seen[start] {
			out = append(out, start)
		}
	}
	return out
}

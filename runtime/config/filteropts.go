package config

import "github.com/luasync/luasync/runtime/filter"

// FilterOptions returns the static filter of s, for filter.New.
func (s *Sync) FilterOptions() filter.Options {
	return filter.Options{
		Junk:        s.Junk,
		Exclude:     s.Exclude,
		ExcludeFrom: s.ExcludeFrom,
		Rules:       s.FilterRules,
		RulesFrom:   s.FilterFrom,
	}
}

// FilterOptions returns what a scheduled full sync leaves out on top of its
// sync's filters, for filter.New: its own excludes, no junk.
func (f *FullSync) FilterOptions() filter.Options {
	return filter.Options{Junk: []string{}, Exclude: f.Exclude}
}

// validatePatterns compiles each pattern list on its own, so an error names
// the key the bad pattern came from.
func validatePatterns(p *problems, s *Sync) {
	none := []string{}
	type patternList struct {
		key  string
		opts filter.Options
	}
	lists := []patternList{
		{"junk", filter.Options{Junk: s.Junk}},
		{"exclude", filter.Options{Junk: none, Exclude: s.Exclude}},
		{"excludeFrom", filter.Options{Junk: none, ExcludeFrom: s.ExcludeFrom}},
		{"filter", filter.Options{Junk: none, Rules: s.FilterRules}},
		{"filterFrom", filter.Options{Junk: none, RulesFrom: s.FilterFrom}},
	}
	if s.FullSync != nil {
		lists = append(lists, patternList{"fullsync", s.FullSync.FilterOptions()})
	}
	for _, l := range lists {
		if _, err := filter.New(l.opts); err != nil {
			p.add(l.key, "%v", err)
		}
	}
}

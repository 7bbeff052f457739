package event

import "testing"

func TestScopeSkips(t *testing.T) {
	var none *Scope
	cache := &Scope{Skip: func(rel string, isDir bool) bool { return rel == "cache" }}
	for _, c := range []struct {
		s    *Scope
		rel  string
		want bool
	}{
		{none, "cache", false},
		{&Scope{}, "cache", false}, // narrowed, but skipping nothing: no Skip function
		{cache, "cache", true},
		{cache, "www", false},
	} {
		if got := c.s.Skips(c.rel, true); got != c.want {
			t.Errorf("%+v.Skips(%q) = %v, want %v", c.s, c.rel, got, c.want)
		}
	}
}

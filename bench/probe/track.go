package probe

import (
	"strings"
	"time"
)

// version is one expected content of a path, known by its size.
type version struct {
	size    int64
	closed  time.Time // zero until Done
	arrived time.Time // zero until seen on the target
	dropped bool      // deleted before it arrived: not a sample
}

func (v *version) open() bool { return v.arrived.IsZero() && !v.dropped }

// track is every version of one path, oldest first.
type track struct {
	versions []*version
}

// Pending is what Expect and Move return: the versions whose close time
// Done stamps.
type Pending struct {
	versions []*version
}

// resolve marks the newest open version of size size, and every older open
// one, as arrived at now; it reports how many it resolved.
func (t *track) resolve(size int64, now time.Time) int {
	hit := -1
	for i, v := range t.versions {
		if v.open() && v.size == size {
			hit = i
		}
	}
	n := 0
	for _, v := range t.versions[:hit+1] {
		if v.open() {
			v.arrived = now
			n++
		}
	}
	return n
}

func (t *track) openCount() int {
	n := 0
	for _, v := range t.versions {
		if v.open() {
			n++
		}
	}
	return n
}

func (t *track) last() *version {
	if len(t.versions) == 0 {
		return nil
	}
	return t.versions[len(t.versions)-1]
}

// within reports whether p is dir or lies under it (both relative,
// slash-separated, dir not empty).
func within(p, dir string) bool {
	return p == dir || strings.HasPrefix(p, dir+"/")
}

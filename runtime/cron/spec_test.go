package cron

import (
	"strings"
	"testing"
	"time"
)

// t0 is a Thursday, in UTC: a spec without a time zone runs in the time
// zone of the time it is asked about.
var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// runs lists the first n times s runs after from.
func runs(s Schedule, from time.Time, n int) []time.Time {
	var out []time.Time
	for t := from; len(out) < n; {
		t = s.Next(t)
		if t.IsZero() {
			break
		}
		out = append(out, t)
	}
	return out
}

func at(day, hour, minute, second int) time.Time {
	return time.Date(2026, 1, day, hour, minute, second, 0, time.UTC)
}

// TestParse is the spec syntax: lsyncd's crontab entries are six fields,
// seconds first; fullsync.schedule takes five fields (minute first), six,
// or a descriptor.
func TestParse(t *testing.T) {
	tests := []struct {
		spec string
		form Form
		want []time.Time
	}{
		// lsyncd 2.3's own test, tests/cron-rsync.lua: every ten seconds.
		{"*/10 * * * * *", Crontab, []time.Time{at(1, 0, 0, 10), at(1, 0, 0, 20), at(1, 0, 0, 30)}},
		{"0 0 3 * * *", Crontab, []time.Time{at(1, 3, 0, 0), at(2, 3, 0, 0)}},
		// Day of week 0-6 from Sunday, or names, as lua-crontab reads them.
		{"0 30 12 * * 1-5", Crontab, []time.Time{at(1, 12, 30, 0), at(2, 12, 30, 0), at(5, 12, 30, 0)}},
		{"0 0 0 * * SAT,SUN", Crontab, []time.Time{at(3, 0, 0, 0), at(4, 0, 0, 0), at(10, 0, 0, 0)}},
		{"@hourly", Crontab, []time.Time{at(1, 1, 0, 0), at(1, 2, 0, 0)}},
		{"0 3 * * *", Flexible, []time.Time{at(1, 3, 0, 0), at(2, 3, 0, 0)}},
		{"*/15 * * * *", Flexible, []time.Time{at(1, 0, 15, 0), at(1, 0, 30, 0)}},
		{"30 0 3 * * *", Flexible, []time.Time{at(1, 3, 0, 30), at(2, 3, 0, 30)}},
		{"@every 6h", Flexible, []time.Time{at(1, 6, 0, 0), at(1, 12, 0, 0)}},
		{"@every 2s", Flexible, []time.Time{at(1, 0, 0, 2), at(1, 0, 0, 4)}},
		{"@daily", Flexible, []time.Time{at(2, 0, 0, 0), at(3, 0, 0, 0)}},
		{"@weekly", Flexible, []time.Time{at(4, 0, 0, 0), at(11, 0, 0, 0)}},
		{"CRON_TZ=Asia/Tokyo 0 3 * * *", Flexible, []time.Time{at(1, 18, 0, 0), at(2, 18, 0, 0)}},
		{"  0 3 * * *  ", Flexible, []time.Time{at(1, 3, 0, 0)}},
	}
	for _, tc := range tests {
		s, err := Parse(tc.spec, tc.form)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.spec, err)
			continue
		}
		got := runs(s, t0, len(tc.want))
		for i := range got {
			if !got[i].Equal(tc.want[i]) {
				t.Errorf("%q runs at %v, want %v", tc.spec, got, tc.want)
				break
			}
		}
		if s.String() != tc.spec {
			t.Errorf("String() = %q, want the spec as written, %q", s.String(), tc.spec)
		}
	}
}

// TestParseErrors: a spec that cannot mean what its author wants is
// refused with a message that says why.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		spec string
		form Form
		want []string
	}{
		// lsyncd would run this one every second.
		{"0 3 * * *", Crontab, []string{"five fields", "six, seconds first", `"0 0 3 * * *"`, "fullsync"}},
		{"0 0 0 3 * * *", Crontab, []string{"7 fields", "six"}},
		{"0 3 * *", Flexible, []string{"found 4"}},
		{"61 * * * *", Flexible, []string{"61", "above maximum"}},
		{"0 0 * * * 7", Crontab, []string{"(7) above maximum (6)"}},
		{"@every 500ms", Flexible, []string{"whole seconds, at least 1s"}},
		{"@every 1.5s", Flexible, []string{"whole seconds"}},
		{"@every -5s", Flexible, []string{"at least 1s"}},
		{"@every soon", Flexible, []string{"@every 6h"}},
		{"@fortnightly", Flexible, []string{"@fortnightly"}},
		{"", Flexible, []string{"empty"}},
		{"TZ=UTC", Flexible, []string{"time zone prefix", "followed by a schedule"}},
		{"CRON_TZ=Nowhere/Atlantis 0 3 * * *", Flexible, []string{"Nowhere/Atlantis"}},
		{"0 0 30 2 *", Flexible, []string{"never comes"}},
	}
	for _, tc := range tests {
		_, err := Parse(tc.spec, tc.form)
		if err == nil {
			t.Errorf("Parse(%q) accepted it", tc.spec)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Parse(%q): %q does not say %q", tc.spec, err, w)
			}
		}
	}
}

// TestEither: lsyncd's crontab list runs at the soonest of its entries.
func TestEither(t *testing.T) {
	a, err := Parse("0 0 3 * * *", Crontab)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse("0 30 12 * * *", Crontab)
	if err != nil {
		t.Fatal(err)
	}
	s := Either(a, b)
	want := []time.Time{at(1, 3, 0, 0), at(1, 12, 30, 0), at(2, 3, 0, 0)}
	if got := runs(s, t0, 3); len(got) != 3 || !got[0].Equal(want[0]) || !got[1].Equal(want[1]) || !got[2].Equal(want[2]) {
		t.Errorf("runs at %v, want %v", got, want)
	}
	if got := s.String(); got != `"0 0 3 * * *", "0 30 12 * * *"` {
		t.Errorf("String() = %s", got)
	}
}

package cron

import (
	"errors"
	"fmt"
	"strings"
	"time"

	robfig "github.com/robfig/cron/v3"
)

// Form is the syntax a schedule is written in.
type Form uint8

const (
	// Crontab is lsyncd 2.3's crontab entries: six fields, seconds first
	// ("0 0 3 * * *" is 03:00 every day), or a descriptor.
	Crontab Form = iota
	// Flexible is luasync's fullsync.schedule: five fields, minute first
	// ("0 3 * * *"), six fields with seconds first, or a descriptor
	// (@yearly, @monthly, @weekly, @daily, @hourly, @every DURATION).
	Flexible
)

var parsers = map[Form]robfig.Parser{
	Crontab:  robfig.NewParser(robfig.Second | robfig.Minute | robfig.Hour | robfig.Dom | robfig.Month | robfig.Dow | robfig.Descriptor),
	Flexible: robfig.NewParser(robfig.SecondOptional | robfig.Minute | robfig.Hour | robfig.Dom | robfig.Month | robfig.Dow | robfig.Descriptor),
}

// Schedule says when a job runs: one spec, or several (Either), of which
// the soonest decides.
type Schedule struct {
	specs []string
	next  []robfig.Schedule
}

// Parse reads one spec. Times are local unless the spec starts with
// CRON_TZ=Zone (or TZ=Zone). The error says what is wrong in a config
// author's terms, without the key, which the caller adds.
func Parse(spec string, form Form) (s Schedule, err error) {
	defer func() {
		// robfig/cron v3.0.1 panics on some malformed time zone prefixes
		// ("TZ=UTC" with no fields after it: robfig/cron issue 554).
		if recover() != nil {
			s, err = Schedule{}, fmt.Errorf("%q: a time zone prefix must be followed by a schedule, e.g. \"CRON_TZ=UTC 0 3 * * *\"", spec)
		}
	}()
	body := strings.TrimSpace(spec)
	if body == "" {
		return Schedule{}, errors.New("empty schedule")
	}
	if form == Crontab {
		if err := checkSixFields(spec, withoutZone(body)); err != nil {
			return Schedule{}, err
		}
	}
	if err := checkEvery(spec, withoutZone(body)); err != nil {
		return Schedule{}, err
	}
	next, err := parsers[form].Parse(body)
	if err != nil {
		return Schedule{}, fmt.Errorf("%q: %v", spec, err)
	}
	if next.Next(time.Now()).IsZero() {
		return Schedule{}, fmt.Errorf("%q never comes (no such date in the next five years)", spec)
	}
	return Schedule{specs: []string{spec}, next: []robfig.Schedule{next}}, nil
}

// withoutZone drops a leading CRON_TZ=Zone or TZ=Zone.
func withoutZone(body string) string {
	if strings.HasPrefix(body, "CRON_TZ=") || strings.HasPrefix(body, "TZ=") {
		if _, rest, ok := strings.Cut(body, " "); ok {
			return strings.TrimSpace(rest)
		}
	}
	return body
}

// checkSixFields refuses a crontab entry without six fields. lsyncd's
// lua-crontab silently reads a five-field entry as "every second", which no
// one means; a cron user most likely means minute-first.
func checkSixFields(spec, body string) error {
	if strings.HasPrefix(body, "@") {
		return nil
	}
	n := len(strings.Fields(body))
	switch {
	case n == 6:
		return nil
	case n == 5:
		return fmt.Errorf("%q has five fields; lsyncd's crontab takes six, seconds first (\"0 %s\" is what cron means by it), "+
			"or use fullsync = { schedule = %q }, which takes five", spec, body, body)
	}
	return fmt.Errorf("%q has %d fields; lsyncd's crontab takes six: second minute hour day-of-month month day-of-week, e.g. \"0 0 3 * * *\" for 03:00 every day", spec, n)
}

// checkEvery refuses an @every interval robfig/cron would silently round:
// it runs at most once a second, in whole seconds.
func checkEvery(spec, body string) error {
	rest, ok := strings.CutPrefix(body, "@every ")
	if !ok {
		return nil
	}
	d, err := time.ParseDuration(strings.TrimSpace(rest))
	if err != nil {
		return fmt.Errorf("%q: %v; write a duration such as \"@every 6h\" or \"@every 90s\"", spec, err)
	}
	if d < time.Second || d%time.Second != 0 {
		return fmt.Errorf("%q: the interval must be whole seconds, at least 1s", spec)
	}
	return nil
}

// Either is a schedule that runs whenever any of ss would: lsyncd's
// crontab list, whose soonest entry decides.
func Either(ss ...Schedule) Schedule {
	var out Schedule
	for _, s := range ss {
		out.specs = append(out.specs, s.specs...)
		out.next = append(out.next, s.next...)
	}
	return out
}

// Next returns the first time after t that the schedule runs, or the zero
// time if it never does.
func (s Schedule) Next(t time.Time) time.Time {
	var soonest time.Time
	for _, n := range s.next {
		if at := n.Next(t); !at.IsZero() && (soonest.IsZero() || at.Before(soonest)) {
			soonest = at
		}
	}
	return soonest
}

// String is the spec as written, or several, each quoted.
func (s Schedule) String() string {
	if len(s.specs) == 1 {
		return s.specs[0]
	}
	q := make([]string, len(s.specs))
	for i, spec := range s.specs {
		q[i] = fmt.Sprintf("%q", spec)
	}
	return strings.Join(q, ", ")
}

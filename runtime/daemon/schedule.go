package daemon

import (
	"fmt"
	"time"

	"github.com/luasync/luasync/runtime/cron"
	"github.com/luasync/luasync/runtime/event"
	"github.com/luasync/luasync/runtime/filter"
	"github.com/luasync/luasync/runtime/sink"
)

// schedule is one of a sync's scheduled full syncs: lsyncd's crontab list
// (one schedule, its soonest entry deciding) or luasync's fullsync.
type schedule struct {
	key   string // the config key: "crontab" or "fullsync"
	when  cron.Schedule
	scope *event.Scope // fullsync.exclude; nil: the whole tree, as the sync filters it
}

// planned is one job of the runner: a schedule of one sink.
type planned struct {
	schedule
	pool *sink.Pool
}

// schedules parses the sync's crontab and fullsync.
func (s *syncRun) schedules() ([]schedule, error) {
	var out []schedule
	if len(s.cfg.Crontab) > 0 {
		var all []cron.Schedule
		for _, spec := range s.cfg.Crontab {
			when, err := cron.Parse(spec, cron.Crontab)
			if err != nil {
				return nil, fmt.Errorf("sync %s: crontab: %w", s.cfg.Name, err)
			}
			all = append(all, when)
		}
		out = append(out, schedule{key: "crontab", when: cron.Either(all...)})
	}
	if fs := s.cfg.FullSync; fs != nil {
		when, err := cron.Parse(fs.Schedule, cron.Flexible)
		if err != nil {
			return nil, fmt.Errorf("sync %s: fullsync: %w", s.cfg.Name, err)
		}
		sc := schedule{key: "fullsync", when: when}
		if len(fs.Exclude) > 0 {
			f, err := filter.New(fs.FilterOptions())
			if err != nil {
				return nil, fmt.Errorf("sync %s: fullsync: %w", s.cfg.Name, err)
			}
			sc.scope = &event.Scope{Patterns: f.Patterns(), Skip: f.Skip}
		}
		out = append(out, sc)
	}
	return out, nil
}

// newRunner gives every sink of every sync a job per schedule of its sync.
func (d *Daemon) newRunner() error {
	var jobs []cron.Job
	for _, s := range d.syncs {
		scheds, err := s.schedules()
		if err != nil {
			return err
		}
		for _, sc := range scheds {
			if s.cfg.Kind == "action" && sc.scope == nil {
				// Actions must still see what changes meanwhile: a
				// narrowed full sync absorbs nothing (see replay.go).
				sc.scope = &event.Scope{}
			}
			for _, t := range s.sinks {
				if t.role == pluginRole {
					continue // a plugin gets changes, not full syncs
				}
				d.planned = append(d.planned, planned{sc, t.pool})
				jobs = append(jobs, cron.Job{Name: t.name, Key: sc.key, Schedule: sc.when, Start: d.startFullSync(t.pool, sc)})
			}
		}
	}
	d.cron = cron.New(jobs, cron.Options{Logger: d.log})
	return nil
}

// startFullSync queues a scheduled full sync of p, as the startup sync is
// queued (a Rescan of the root, behind what is in flight below it), unless
// one is pending or running; its end is logged with how long it waited
// and took.
func (d *Daemon) startFullSync(p *sink.Pool, sc schedule) func() bool {
	return func() bool {
		queued := time.Now()
		return p.FullSync(sc.scope, func(r event.Result, started time.Time, took time.Duration) {
			log := d.log.With("sink", p.Name(), sc.key, sc.when.String(),
				"waited", started.Sub(queued).Round(time.Millisecond), "took", took.Round(time.Millisecond))
			if r.Outcome == event.OK {
				log.Info("scheduled full sync complete")
				return
			}
			log.Error("scheduled full sync failed; it went to the fail log, and a later full sync covers it", "err", r.Err)
		})
	}
}

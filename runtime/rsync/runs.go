package rsync

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/luasync/luasync/runtime/event"
)

// sendList is the batch's one rsync run: every listed path, NUL-separated
// on stdin. A listed path that the source no longer has is deleted on the
// target (--delete-missing-args, with --force for a non-empty directory)
// or, with Delete off, skipped (--ignore-missing-args).
func (s *Sink) sendList(ctx context.Context, p *plan) {
	if len(p.list) == 0 {
		return
	}
	var stdin bytes.Buffer
	dirs := map[string]bool{"": true}
	for _, rel := range p.list {
		if !s.realParents(dirs, rel) {
			continue
		}
		if rel[0] == '#' || rel[0] == ';' {
			// --files-from skips such lines as comments, even with --from0.
			stdin.WriteString("./")
		}
		stdin.WriteString(rel)
		stdin.WriteByte(0)
	}
	if stdin.Len() == 0 {
		return
	}
	r := s.runList(ctx, fmt.Sprintf("send %d paths", len(p.list)), p.dest, stdin.Bytes())
	switch class := s.class(r); {
	case class == OK:
	case class == Fatal:
		p.markListed(event.Fail, r.failure("rsync"))
	case class == Stop:
		p.markListed(event.Stop, s.dieError(r, "rsync", "rsyncExitCodes"))
	case r.err == nil && !r.signaled && r.code == 23 && !r.truncated:
		s.markPartial(p, r)
	default:
		p.markListed(event.Retry, r.failure("rsync"))
	}
}

// listArgs are the arguments of a list run; they are the same for every
// batch (but for dest, with a Tunnel), which is what lets a run start
// ahead (Prepare).
func (s *Sink) listArgs(dest string) []string {
	args := append(s.args(), "--from0", "--files-from=-")
	args = append(args, s.missingArgs(s.opts.Delete)...)
	args = append(args, s.filterArgs()...)
	return append(args, "--", s.source, dest)
}

// runList runs the list run with stdin as its list: in the warm run if one
// is waiting, else in a new one. A warm run that fails to connect (the
// daemon timed it out, say) is retried at once in a new one: nothing of
// the batch was sent.
func (s *Sink) runList(ctx context.Context, what, dest string, stdin []byte) result {
	var r result
	warm, warmArgs := s.takeWarm()
	if warm != nil {
		start := time.Now()
		r = warm.finish(ctx, stdin)
		if connectFailure(r) {
			s.log.Debug("rsync: a run started ahead could not connect; starting another", "sink", s.String(), "err", r.failure("rsync"))
			warm = nil
		} else {
			s.logRun(what+" (started ahead)", start, r, warmArgs)
		}
	}
	if warm == nil {
		r = s.runRsync(ctx, what, s.listArgs(dest), stdin)
	}
	if s.class(r) == OK {
		s.warmOK()
	}
	return r
}

// realParents reports whether every parent of rel in the source is a
// directory, not a symlink. rsync resolves a listed "a/b" through a
// symlink "a" and would send whatever it points to (verified: a listed
// "a/hostname" with "a" -> /etc sends /etc/hostname), so a user who can
// write to the source could otherwise copy any file luasync can read into
// the mirror. A path under a symlink is not in the tree by state; the
// events for the symlink itself put the target right. dirs caches answers
// for one batch. (What changes while rsync runs is beyond this check, as
// it is for a plain rsync -r.)
func (s *Sink) realParents(dirs map[string]bool, rel string) bool {
	parent := event.Parent(rel)
	if ok, seen := dirs[parent]; seen {
		return ok
	}
	ok := s.realParents(dirs, parent)
	if ok {
		fi, err := os.Lstat(filepath.Join(s.opts.Source, parent))
		// A missing parent is fine: rsync then finds nothing to read, and
		// deletes or skips the path as a missing argument.
		ok = err != nil || fi.IsDir()
	}
	dirs[parent] = ok
	return ok
}

// markPartial handles exit 23: the paths stderr names as failed are
// retried and the rest are done; if any error line names no listed path,
// or none names any, the whole run is retried.
func (s *Sink) markPartial(p *plan, r result) {
	failed, complete := s.attribute(p, r.stderr)
	err := r.failure("rsync")
	if !complete || len(failed) == 0 {
		p.markListed(event.Retry, err)
		return
	}
	for idx := range failed {
		p.mark(idx, event.Retry, err)
	}
}

// sendRoot syncs the source root's own attributes, and nothing below it:
// listing "." in --files-from would send every top-level entry too.
func (s *Sink) sendRoot(ctx context.Context, p *plan) {
	if p.root < 0 {
		return
	}
	args := append(s.args(), "--dirs", "--filter=- /*", "--", s.source, p.dest)
	r := s.runRsync(ctx, "send the root's attributes", args, nil)
	s.markRun(p, p.root, r)
}

// Rescans of a batch share runs: the whole tree (a full sync) in a run of
// its own, every other subtree in as few runs as these limits allow. A
// burst of directories renamed where the target cannot follow (a daemon,
// or an origin that never reached it) is then one run, not one each.
const (
	rescansPerRun   = 256
	rescanArgsBytes = 64 << 10
)

// rescanAll runs the batch's rescans (see rescan).
func (s *Sink) rescanAll(ctx context.Context, p *plan) {
	var group []rescanJob
	size := 0
	dirs := map[string]bool{"": true}
	for _, j := range p.rescans {
		if j.path == "" || j.scope != nil {
			s.rescan(ctx, p, []rescanJob{j})
			continue
		}
		if !s.keeps(j.path, true) || !s.realParents(dirs, j.path) {
			continue
		}
		if len(group) == rescansPerRun || size+len(j.path) > rescanArgsBytes && len(group) > 0 {
			s.rescan(ctx, p, group)
			group, size = nil, 0
		}
		group = append(group, j)
		size += len(j.path)
	}
	if len(group) > 0 {
		s.rescan(ctx, p, group)
	}
}

// rescan makes the target's subtrees at the jobs' paths identical to the
// source's, in one run:
//
//	rsync ARGS --recursive --relative --delete --delete-missing-args --force
//	      [--from0 --exclude-from=-] FILTERS -- SRC/./PATH1 SRC/./PATH2 ... DST/
//
// --relative with the "/./" marker names each path from the source root,
// so anchored excludes ("/cache/") mean what they mean in a full sync,
// missing parents are created on the target, --delete works inside each
// path only, and a path the source no longer has is deleted there.
// Per-path excludes from Keep come on stdin. Every job shares the run's
// fate. A full sync (the whole tree) deletes by FullDelete, any other
// rescan by Delete, and without it --delete and --delete-missing-args are
// left out.
func (s *Sink) rescan(ctx context.Context, p *plan, jobs []rescanJob) {
	del := s.opts.Delete
	if len(jobs) == 1 && jobs[0].path == "" {
		if _, err := os.Stat(s.opts.Source); err != nil {
			p.mark(jobs[0].idx, event.Retry, fmt.Errorf("rescan %s: %w: %w", s.opts.Source, errRootGone, err))
			return
		}
		del = s.opts.FullDelete
	}
	args := append(s.args(), "--recursive", "--relative")
	if del {
		args = append(args, "--delete")
	}
	args = append(args, s.missingArgs(del)...)
	var excludes []byte
	if s.opts.Keep != nil && s.opts.WalkForKeep {
		for _, j := range jobs {
			excludes = append(excludes, s.keepExcludes(ctx, j.path)...)
		}
		if err := ctx.Err(); err != nil {
			for _, j := range jobs {
				p.mark(j.idx, event.Retry, fmt.Errorf("rescan %q: %w", j.path, err))
			}
			return
		}
		if len(excludes) > 0 {
			args = append(args, "--from0", "--exclude-from=-")
		}
	}
	args = append(args, s.filterArgs()...)
	if len(jobs) == 1 && jobs[0].scope != nil {
		// After the sync's own rules, so that none of them is overridden.
		args = append(args, filterRules(jobs[0].scope.Patterns)...)
	}
	args = append(args, "--")
	for _, j := range jobs {
		args = append(args, s.source+"./"+j.path)
	}
	args = append(args, p.dest)
	what := fmt.Sprintf("rescan %q", jobs[0].path)
	if len(jobs) > 1 {
		what = fmt.Sprintf("rescan %d subtrees", len(jobs))
	}
	r := s.runRsync(ctx, what, args, excludes)
	for _, j := range jobs {
		s.markRun(p, j.idx, r)
	}
}

// markRun marks one event by how its own run ended.
func (s *Sink) markRun(p *plan, idx int, r result) {
	switch s.class(r) {
	case OK:
	case Fatal:
		p.mark(idx, event.Fail, r.failure("rsync"))
	case Stop:
		p.mark(idx, event.Stop, s.dieError(r, "rsync", "rsyncExitCodes"))
	default:
		p.mark(idx, event.Retry, r.failure("rsync"))
	}
}

// args returns a fresh copy of the flags every run shares.
func (s *Sink) args() []string {
	return append(make([]string, 0, len(s.base)+16), s.base...)
}

func (s *Sink) missingArgs(del bool) []string {
	if del {
		return []string{"--delete-missing-args", "--force"}
	}
	return []string{"--ignore-missing-args"}
}

// runRsync runs rsync once and logs how it went (logRun).
func (s *Sink) runRsync(ctx context.Context, what string, args []string, stdin []byte) result {
	s.runs.Add(1)
	start := time.Now()
	s.master.ensure()
	r := run(ctx, append([]string{s.rsync}, args...), stdin, 0)
	s.logRun(what, start, r, args)
	return r
}

// logRun logs how a run went: each run at debug level, a retryable
// failure as a warning, a fatal one as an error that says the command
// itself must change. Only argv and stderr are logged; a daemon password
// is never in either.
func (s *Sink) logRun(what string, start time.Time, r result, args []string) {
	log := s.log.With("sink", s.String(), "run", what, "seconds", time.Since(start).Seconds(), "cpu_seconds", r.cpu.Seconds())
	switch class := s.class(r); {
	case class == OK:
		log.Debug("rsync run", "exit", r.code, "args", args)
	case errors.Is(r.err, context.Canceled):
		log.Debug("rsync run cancelled")
	case class == Stop:
		log.Error("rsync run ended with an exit status the config calls \"die\"", "err", s.dieError(r, "rsync", "rsyncExitCodes"))
	case class == Fatal:
		log.Error("rsync refused the run; fix the sync's rsync settings or the target (events go to the fail log)",
			"err", r.failure("rsync"), "args", args)
	default:
		log.Warn("rsync run failed; will retry", "err", r.failure("rsync"))
	}
}

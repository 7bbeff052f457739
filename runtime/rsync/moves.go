package rsync

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/luasync/luasync/runtime/event"
)

// planMove decides how a Move reaches the target: as a rename (later, in
// applyMoves), as a copy, as a delete, or as a rescan.
func (s *Sink) planMove(ctx context.Context, p *plan, i int, ev event.Event) error {
	if err := event.CheckPath(ev.From); err != nil || ev.From == "" || ev.Path == "" {
		return fmt.Errorf("apply %v: %w", ev, event.ErrBadPath)
	}
	fromKept, toKept := s.keeps(ev.From, ev.IsDir), s.keeps(ev.Path, ev.IsDir)
	switch {
	case !fromKept && !toKept:
	case !toKept: // moved out of the mirror: a delete
		if s.opts.Delete {
			p.add(ev.From, i)
		}
	case !fromKept || !s.opts.Delete: // a copy; the old path stays
		s.send(ctx, p, ev.Path, ev.IsDir, i)
	case event.Within(ev.Path, ev.From):
		// No real rename does these; the source's state decides.
		p.rescans = append(p.rescans, rescanJob{path: ev.From, idx: i})
	case event.Within(ev.From, ev.Path):
		p.rescans = append(p.rescans, rescanJob{path: ev.Path, idx: i})
	default:
		p.moves = append(p.moves, i)
	}
	return nil
}

// applyMoves renames on the target what planMove left for renaming, and
// lists each moved path so its attributes are synced too; a move that
// cannot be a rename is sent instead (moveFallback). It reports false
// when the target could not be reached, after marking the whole batch.
func (s *Sink) applyMoves(ctx context.Context, p *plan) bool {
	if len(p.moves) == 0 {
		return true
	}
	var renamed []bool
	switch s.opts.Target.Kind {
	case Local:
		renamed = s.renameLocal(p)
	case SSH:
		var ok bool
		if renamed, ok = s.renameRemote(ctx, p); !ok {
			return false
		}
	default: // an rsync daemon cannot rename
		renamed = make([]bool, len(p.moves))
	}
	for k, i := range p.moves {
		if renamed[k] {
			p.add(p.b[i].Path, i)
		} else {
			s.moveFallback(ctx, p, i)
		}
	}
	return true
}

// moveFallback sends a move as a delete of its old path and a copy of the
// new one. A move replaces whatever the target held at the new name: when
// that may be an older directory (Over), the copy is a rescan (in the
// batch's shared rescan run), since only --delete clears what it held that
// the source's does not; otherwise the new directory is listed whole in
// the batch's list run.
func (s *Sink) moveFallback(ctx context.Context, p *plan, i int) {
	ev := p.b[i]
	p.add(ev.From, i)
	if ev.IsDir && ev.Over {
		p.rescans = append(p.rescans, rescanJob{path: ev.Path, idx: i})
		return
	}
	s.send(ctx, p, ev.Path, ev.IsDir, i)
}

// renameLocal renames each move's old path to its new one on a local
// target, replacing what the new path holds.
func (s *Sink) renameLocal(p *plan) []bool {
	out := make([]bool, len(p.moves))
	for k, i := range p.moves {
		ev := p.b[i]
		err := s.renameTarget(ev.From, ev.Path)
		out[k] = err == nil
		if err != nil {
			s.log.Debug("rsync: rename on the target failed; sending instead", "sink", s.String(), "from", ev.From, "to", ev.Path, "err", err)
		}
	}
	return out
}

var (
	errFromMissing   = errors.New("old path not on the target")
	errSymlinkParent = errors.New("a parent directory on the target is a symlink")
)

// renameTarget does for a local target what the move script does remotely
// (see moveScript): refuse paths through symlinks, clear the new path
// when a rename cannot replace it, create its parent, rename.
func (s *Sink) renameTarget(from, to string) error {
	root := s.opts.Target.Path
	for _, a := range ancestors(from, to) {
		fi, err := os.Lstat(filepath.Join(root, a))
		if err == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return fmt.Errorf("rename %s: %w", a, errSymlinkParent)
		}
	}
	src, dst := filepath.Join(root, from), filepath.Join(root, to)
	fi, err := os.Lstat(src)
	if errors.Is(err, fs.ErrNotExist) {
		return errFromMissing
	} else if err != nil {
		return err
	}
	if ti, err := os.Lstat(dst); err == nil && (ti.Mode()&fs.ModeSymlink != 0 || ti.IsDir() || fi.IsDir()) {
		if err := os.RemoveAll(dst); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.Rename(src, dst)
}

// ancestors returns the directories above the given relative paths,
// shallowest first, each once.
func ancestors(paths ...string) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range paths {
		var chain []string
		for d := event.Parent(p); d != ""; d = event.Parent(d) {
			chain = append(chain, d)
		}
		for k := len(chain) - 1; k >= 0; k-- {
			if !seen[chain[k]] {
				seen[chain[k]] = true
				out = append(out, chain[k])
			}
		}
	}
	return out
}

// renameRemote runs the move script over ssh, once for the batch. It
// reports false, after marking the batch Retry, when ssh itself failed.
func (s *Sink) renameRemote(ctx context.Context, p *plan) ([]bool, bool) {
	moves := make([][2]string, len(p.moves))
	for k, i := range p.moves {
		moves[k] = [2]string{p.b[i].From, p.b[i].Path}
	}
	argv := append(append([]string(nil), s.ssh...), s.opts.Target.userHost(), "/bin/sh")
	s.master.ensure()
	r := run(ctx, argv, moveScript(s.opts.Target.Path, moves), 64<<10)
	s.log.Debug("rsync: move script", "sink", s.String(), "moves", len(moves), "exit", r.code, "err", r.err)
	switch s.sshClass(r) {
	case Stop:
		err := s.dieError(r, "ssh move script on "+s.opts.Target.Host, "sshExitCodes")
		s.log.Error("ssh run ended with an exit status the config calls \"die\"", "sink", s.String(), "err", err)
		p.markAll(event.Stop, err)
		return nil, false
	case Retry:
		err := r.failure("ssh move script on " + s.opts.Target.Host)
		s.log.Warn("rsync: target unreachable; batch will be retried", "sink", s.String(), "err", err)
		p.markAll(event.Retry, err)
		return nil, false
	}
	done := make([]bool, len(moves))
	for line := range bytes.Lines(r.stdout) {
		if n, ok := bytes.CutPrefix(bytes.TrimSpace(line), []byte("ok ")); ok {
			if k, err := strconv.Atoi(string(n)); err == nil && k >= 0 && k < len(done) {
				done[k] = true
			}
		}
	}
	return done, true
}

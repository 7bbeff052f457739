package daemon

import (
	"github.com/luasync/luasync/runtime/pluginhost"

	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/luasync/luasync/runtime/event"
)

// runStatus rewrites settings.statusFile every statusInterval until ctx is
// done. The last report is written by Run after the pools stopped, so the
// file ends with the final counts.
func (d *Daemon) runStatus(ctx context.Context) {
	t := time.NewTicker(d.cfg.Settings.StatusInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			d.writeStatus()
		}
	}
}

// when formats a planned run for the status file.
func when(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format(time.RFC3339)
}

// excluding names what a scheduled full sync leaves out, if anything.
func excluding(s *event.Scope) string {
	if s == nil {
		return ""
	}
	return fmt.Sprintf(", excluding %q", s.Patterns)
}

// writeStatus replaces the status file by a fresh report (a temporary file
// renamed into place, so a reader never sees half of one). A failure is
// logged, never fatal: the status file is for people, not for correctness.
func (d *Daemon) writeStatus() {
	path := d.cfg.Settings.StatusFile
	if path == "" {
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err == nil {
		_, err = tmp.Write(d.statusReport(time.Now()))
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp.Name(), path)
		}
		if err != nil {
			os.Remove(tmp.Name())
		}
	}
	if err != nil {
		d.log.Warn("could not write the status file", "path", path, "err", err)
	}
}

// statusReport is lsyncd's status file in spirit: per sync, what is
// watched, and per target what is pending, in flight and done, and when
// its scheduled full syncs run next.
func (d *Daemon) statusReport(now time.Time) []byte {
	next := d.cron.Next()
	var b bytes.Buffer
	fmt.Fprintf(&b, "luasync status report at %s (pid %d)\n", now.UTC().Format(time.RFC3339), os.Getpid())
	for _, s := range d.syncs {
		watches := 0
		if w := s.live.Load(); w != nil {
			watches = w.Watches()
		}
		fmt.Fprintf(&b, "\nsync %s: source %s, watching %d directories\n", s.cfg.Name, s.cfg.Source, watches)
		for _, t := range s.sinks {
			p := t.pool
			st := p.Stats()
			fmt.Fprintf(&b, "  %s\n    pending %d, in flight %d, applied %d, retried %d, failed %d (see the fail log), batches %d\n",
				p.Name(), st.Pending, st.InFlight, st.Applied, st.Retried, st.Failed, st.Batches)
			if h, ok := t.Sink.(*pluginhost.Host); ok {
				info := h.Info()
				fmt.Fprintf(&b, "    plugin %s %s, pid %d, restarts %d\n", info.Name, info.Version, h.PID(), h.Restarts())
			}
			for i, pl := range d.planned {
				if pl.pool == p {
					fmt.Fprintf(&b, "    next full sync %s (%s %s%s)\n", when(next[i]), pl.key, pl.when, excluding(pl.scope))
				}
			}
			if st.Stopped != "" {
				fmt.Fprintf(&b, "    STOPPED until luasync restarts: %s\n", st.Stopped)
			}
		}
		if s.tunnel != nil {
			fmt.Fprintf(&b, "  through tunnel %s: %s\n", s.tunnel.Name(), s.tunnel.State())
		}
	}
	for _, t := range d.tunnels {
		fmt.Fprintf(&b, "\n%s\n", t.Status())
	}
	return b.Bytes()
}

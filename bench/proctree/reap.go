package proctree

import (
	"fmt"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// SetSubreaper makes the calling process the reaper of its orphaned
// descendants, so a tool's children that outlive it come to the harness and
// their CPU time can still be collected with ReapOrphans.
func SetSubreaper() error {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("become child subreaper: %w", err)
	}
	return nil
}

// ReapOrphans kills and reaps what is left of a stopped tool: processes
// in process group pgid or listed in known. Those already reparented to the
// harness are reaped and their CPU time (each with its own reaped children)
// summed; the others are killed and waited for until their parents die and
// they come to the harness too, for up to limit. Other children of the
// harness are left alone, so it never steals an exec.Cmd's exit.
func ReapOrphans(pgid int, known map[int]bool, limit time.Duration) (time.Duration, error) {
	self := os.Getpid()
	deadline := time.Now().Add(limit)
	var sum time.Duration
	for {
		all, err := All()
		if err != nil {
			return sum, err
		}
		left := 0
		for _, p := range all {
			if p.PID == self || (p.PGID != pgid && !known[p.PID]) {
				continue
			}
			_ = syscall.Kill(p.PID, syscall.SIGKILL)
			if p.PPID != self {
				left++
				continue
			}
			var ru unix.Rusage
			if _, err := unix.Wait4(p.PID, nil, 0, &ru); err != nil {
				return sum, fmt.Errorf("reap orphan %d (%s): %w", p.PID, p.Comm, err)
			}
			sum += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		}
		if left == 0 {
			return sum, nil
		}
		if time.Now().After(deadline) {
			return sum, fmt.Errorf("reap orphans of process group %d: %d processes still running after %s", pgid, left, limit)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// lockWorkDir makes sure no other benchsync uses workDir: two runs there
// would delete each other's run directories and rebuild each other's
// luasync binary mid-run. The lock is held while the returned file stays
// open: keep it referenced (an unreachable *os.File is closed by its
// finalizer, which would drop the lock).
func lockWorkDir(workDir string) (*os.File, error) {
	path := filepath.Join(workDir, "lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock work directory %s: %w", workDir, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		owner, _ := os.ReadFile(path)
		f.Close()
		return nil, fmt.Errorf("work directory %s is in use by another benchsync (pid %s): wait for it or pass -workdir; "+
			"two benchmarks at once on this machine also skew each other's figures", workDir, strings.TrimSpace(string(owner)))
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return f, nil
}

package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"

	"golang.org/x/sys/unix"
)

// harnessNice is the niceness the harness gives itself. On a 2-core box the
// tools and their rsync runs can take every cycle; the workload must still
// write at its rate and the target watch must read events promptly, or the
// scenario and its latencies would measure the harness. The harness needs
// little CPU, so a higher priority costs the tools almost nothing.
const harnessNice = -10

// raisePriority renices every thread of the harness (Linux nice is per
// thread; threads created later inherit it) and returns the prefix that
// starts a child back at niceness 0. Without the privilege to do so
// (not root), it says so and returns no prefix.
func raisePriority(stderr io.Writer) []string {
	tasks, err := os.ReadDir("/proc/self/task")
	if err == nil {
		for _, t := range tasks {
			tid, convErr := strconv.Atoi(t.Name())
			if convErr != nil {
				continue
			}
			if err = unix.Setpriority(unix.PRIO_PROCESS, tid, harnessNice); err != nil {
				break
			}
		}
	}
	nice, lookErr := exec.LookPath("nice")
	if err != nil || lookErr != nil {
		fmt.Fprintf(stderr, "benchsync: running at normal priority (raising it needs root: %v); under heavy tool CPU the workload may fall behind its rate\n", err)
		return nil
	}
	return []string{nice, "-n", strconv.Itoa(-harnessNice)}
}

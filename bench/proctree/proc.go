package proctree

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clockTick is USER_HZ, the unit of /proc/PID/stat times: 100 on every
// Linux ABI the benchmark runs on.
const clockTick = 10 * time.Millisecond

// Proc is one process as /proc/PID/stat shows it.
type Proc struct {
	PID, PPID, PGID int
	Comm            string
	State           byte
	// CPU is user+system time of the process and of the children it has
	// reaped, so summing it over a live tree counts each process once.
	CPU time.Duration
	// SelfCPU is the process's own user+system time, children excluded.
	SelfCPU time.Duration
}

// Read parses /proc/PID/stat.
func Read(pid int) (Proc, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return Proc{}, fmt.Errorf("read process %d: %w", pid, err)
	}
	return parseStat(pid, data)
}

// parseStat reads fields by position after the command name, which is in
// parentheses and may itself hold spaces and parentheses.
func parseStat(pid int, data []byte) (Proc, error) {
	open, closing := bytes.IndexByte(data, '('), bytes.LastIndexByte(data, ')')
	if open < 0 || closing < open {
		return Proc{}, fmt.Errorf("parse /proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(data[closing+1:]))
	// f[0] is field 3 (state); utime..cstime are fields 14..17.
	if len(f) < 15 {
		return Proc{}, fmt.Errorf("parse /proc/%d/stat: %d fields", pid, len(f)+2)
	}
	var n [4]int64
	for i := range n {
		v, err := strconv.ParseInt(f[11+i], 10, 64)
		if err != nil {
			return Proc{}, fmt.Errorf("parse /proc/%d/stat: %w", pid, err)
		}
		n[i] = v
	}
	ppid, err1 := strconv.Atoi(f[1])
	pgid, err2 := strconv.Atoi(f[2])
	if err1 != nil || err2 != nil {
		return Proc{}, fmt.Errorf("parse /proc/%d/stat: bad ppid or pgid", pid)
	}
	return Proc{
		PID: pid, PPID: ppid, PGID: pgid,
		Comm:    string(data[open+1 : closing]),
		State:   f[0][0],
		CPU:     time.Duration(n[0]+n[1]+n[2]+n[3]) * clockTick,
		SelfCPU: time.Duration(n[0]+n[1]) * clockTick,
	}, nil
}

// All lists every process it can read; processes that exit while it
// looks are skipped.
func All() ([]Proc, error) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	var out []Proc
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if p, err := Read(pid); err == nil {
			out = append(out, p)
		}
	}
	return out, nil
}

// Tree returns root and all its descendants, plus anything else in root's
// process group (an orphan whose parent already died).
func Tree(root int) ([]Proc, error) {
	all, err := All()
	if err != nil {
		return nil, err
	}
	return treeOf(root, all), nil
}

func treeOf(root int, all []Proc) []Proc {
	children := map[int][]int{}
	byPID := map[int]Proc{}
	for _, p := range all {
		children[p.PPID] = append(children[p.PPID], p.PID)
		byPID[p.PID] = p
	}
	in := map[int]bool{}
	var walk func(int)
	walk = func(pid int) {
		if in[pid] {
			return
		}
		if _, ok := byPID[pid]; !ok {
			return
		}
		in[pid] = true
		for _, c := range children[pid] {
			walk(c)
		}
	}
	walk(root)
	if r, ok := byPID[root]; ok && r.PGID == root {
		for _, p := range all {
			if p.PGID == root {
				walk(p.PID)
			}
		}
	}
	var out []Proc
	for _, p := range all {
		if in[p.PID] {
			out = append(out, p)
		}
	}
	return out
}

// CPU sums the CPU time of a tree.
func CPU(procs []Proc) time.Duration {
	var sum time.Duration
	for _, p := range procs {
		sum += p.CPU
	}
	return sum
}

// PeakRSS returns a process's VmHWM in bytes.
func PeakRSS(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("read peak rss of %d: %w", pid, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("read peak rss of %d: %w", pid, err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("read peak rss of %d: no VmHWM (a zombie?)", pid)
}

// InotifyWatches counts the inotify watches a process holds, over all its
// inotify descriptors: one "inotify wd:" line each in /proc/PID/fdinfo.
func InotifyWatches(pid int) int {
	dir := fmt.Sprintf("/proc/%d/fdinfo", pid)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range ents {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		n += bytes.Count(data, []byte("\ninotify wd:"))
	}
	return n
}

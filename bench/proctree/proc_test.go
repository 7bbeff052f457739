package proctree

import (
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The stat line is split after the last ')', so a command name with spaces
// and parentheses cannot shift the fields.
func TestParseStat(t *testing.T) {
	line := "4242 (rs ync) (x)) S 10 4242 4242 0 -1 4194560 100 0 0 0 150 50 7 3 20 0 1 0 100 1000 10\n"
	p, err := parseStat(4242, []byte(line))
	if err != nil {
		t.Fatal(err)
	}
	want := Proc{PID: 4242, PPID: 10, PGID: 4242, Comm: "rs ync) (x)", State: 'S', CPU: 210 * clockTick, SelfCPU: 200 * clockTick}
	if p != want {
		t.Errorf("parseStat = %+v, want %+v", p, want)
	}
	if _, err := parseStat(1, []byte("1 (x) S 0")); err == nil {
		t.Error("parseStat accepted a short line")
	}
}

func TestTreeFollowsParentsAndGroup(t *testing.T) {
	all := []Proc{
		{PID: 1, PPID: 0, PGID: 1},
		{PID: 100, PPID: 1, PGID: 100},   // the tool, leader of its group
		{PID: 101, PPID: 100, PGID: 100}, // its child
		{PID: 102, PPID: 101, PGID: 102}, // a grandchild in a group of its own
		{PID: 103, PPID: 1, PGID: 100},   // an orphan of the group
		{PID: 200, PPID: 1, PGID: 200},   // unrelated
	}
	var got []int
	for _, p := range treeOf(100, all) {
		got = append(got, p.PID)
	}
	if want := []int{100, 101, 102, 103}; !equalInts(got, want) {
		t.Errorf("treeOf(100) = %v, want %v", got, want)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// A real process tree: this test's child sh and its sleep grandchild.
func TestTreeAndRSSOfARealProcess(t *testing.T) {
	cmd := exec.Command("/bin/sh", "-c", "sleep 30 & wait")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); _ = cmd.Wait() }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		tree, err := Tree(cmd.Process.Pid)
		if err != nil {
			t.Fatal(err)
		}
		if hasComm(tree, "sleep") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no sleep in the tree of %d: %+v", cmd.Process.Pid, tree)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if rss, err := PeakRSS(os.Getpid()); err != nil || rss < 1<<20 {
		t.Errorf("PeakRSS(self) = %d, %v; want at least 1 MiB", rss, err)
	}
}

func hasComm(ps []Proc, comm string) bool {
	for _, p := range ps {
		if strings.Contains(p.Comm, comm) {
			return true
		}
	}
	return false
}

// A tool killed without reaping its children leaves orphans; as subreaper
// the harness finds them by process group and reaps them.
func TestReapOrphansCollectsAKilledToolsChildren(t *testing.T) {
	if err := SetSubreaper(); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/bin/sh", "-c", "sleep 30 & sleep 30 & wait")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pgid := cmd.Process.Pid
	deadline := time.Now().Add(10 * time.Second)
	for {
		tree, err := Tree(pgid)
		if err != nil {
			t.Fatal(err)
		}
		if len(tree) >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the sleeps never started: %+v", tree)
		}
		time.Sleep(10 * time.Millisecond)
	}
	_ = cmd.Process.Kill() // the shell dies; its sleeps are orphaned
	_ = cmd.Wait()
	if _, err := ReapOrphans(pgid, nil, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	tree, err := Tree(pgid)
	if err != nil {
		t.Fatal(err)
	}
	all, _ := All()
	for _, p := range all {
		if p.PGID == pgid {
			t.Errorf("process %d (%s) of the group is still there: %+v", p.PID, p.Comm, tree)
		}
	}
}

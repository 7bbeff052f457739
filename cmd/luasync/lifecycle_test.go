package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestStartupSyncWithChangesDuringIt: a pre-populated tree is mirrored at
// start, and changes made while that full sync runs are not lost, because
// every watch is in place before the full sync begins.
func TestStartupSyncWithChangesDuringIt(t *testing.T) {
	src, dst, cfg := mirrorDirs(t, "")
	tree(t, src, "pre", 100, 50) // 5,000 files in 100 directories
	must(t, os.MkdirAll(dst, 0o755))
	writeFile(t, filepath.Join(dst, "stale-on-target"), "must be deleted by the startup sync")
	p := start(t, "run", cfg)
	for i := range 100 { // while the startup sync runs
		d := filepath.Join(src, "pre", fmt.Sprintf("d%d", i))
		writeFile(t, filepath.Join(d, "f0"), "changed during the startup sync")
		must(t, os.Remove(filepath.Join(d, "f1")))
		writeFile(t, filepath.Join(d, "added"), "added during the startup sync")
		if i%10 == 0 {
			must(t, os.Rename(filepath.Join(d, "f2"), filepath.Join(d, "f2-renamed")))
		}
	}
	waitIdentical(t, src, dst)
	if code, _ := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit status = %d, want 0", code)
	}
}

// TestSIGTERMDuringBurst: SIGTERM in the middle of a burst of writes exits 0
// within a few seconds (it drains, then persists the rest to the fail log),
// and a restart converges.
func TestSIGTERMDuringBurst(t *testing.T) {
	src, dst, cfg := mirrorDirs(t, "")
	p := startRunning(t, cfg)
	var wg sync.WaitGroup
	wg.Add(1)
	half := make(chan struct{})
	go func() {
		defer wg.Done()
		for i := range 4000 {
			if i == 1500 {
				close(half)
			}
			d := filepath.Join(src, fmt.Sprintf("burst%02d", i%40))
			os.MkdirAll(d, 0o755)
			os.WriteFile(filepath.Join(d, fmt.Sprintf("f%d", i)), []byte(fmt.Sprint(i)), 0o644)
		}
	}()
	<-half
	code, took := p.stop(t, syscall.SIGTERM)
	wg.Wait()
	if code != 0 {
		t.Fatalf("exit status after SIGTERM = %d, want 0", code)
	}
	// shutdownGrace is 3 s in mirrorDirs; allow the process start-up and
	// a busy machine on top of it.
	if took > 15*time.Second {
		t.Fatalf("exit took %s after SIGTERM; want within a few seconds", took)
	}
	t.Logf("exited %s after SIGTERM", took)
	startRunning(t, cfg)
	waitIdentical(t, src, dst)
}

// TestRestartWithoutInitReplaysTheFailLog: what a previous run could not
// apply is in the fail log; the next start, even with init = false, runs a
// full sync for that sink and then empties the fail log. A sink is known
// by its sync's name and its own ("sync#1/direct:DST"), and also by the
// display name that earlier versions wrote ("sync#1 -> DST").
func TestRestartWithoutInitReplaysTheFailLog(t *testing.T) {
	for _, sink := range []string{"sync#1/direct:%s", "sync#1 -> %s"} {
		src, dst, cfg := mirrorDirs(t, "init = false")
		failLog := filepath.Join(filepath.Dir(src), "fail.log")
		writeFile(t, filepath.Join(src, "missed"), "changed while nothing ran")
		line := fmt.Sprintf(`{"time":"2026-01-01T00:00:00Z","sink":%q,"op":"Modify","path":"missed"}`+"\n", fmt.Sprintf(sink, dst))
		must(t, os.WriteFile(failLog, []byte(line), 0o600))
		p := startRunning(t, cfg)
		waitIdentical(t, src, dst)
		waitFor(t, "the fail log to be compacted away", func() (bool, string) {
			_, err := os.Stat(failLog)
			return os.IsNotExist(err), fmt.Sprint(err)
		})
		if code, _ := p.stop(t, syscall.SIGINT); code != 0 {
			t.Fatalf("exit status after SIGINT = %d, want 0", code)
		}
	}
}

package main

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"
)

// startProfile writes a CPU profile of the whole run to the file named by
// LUASYNC_CPUPROFILE, for `go tool pprof`; a developer's tool (see
// CONTRIBUTING.md), off unless the variable is set.
func startProfile(stderr io.Writer) (stop func()) {
	path := os.Getenv("LUASYNC_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(stderr, "luasync: LUASYNC_CPUPROFILE %s: %v (not profiling)\n", path, err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

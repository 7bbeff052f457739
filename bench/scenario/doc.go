// Package scenario holds the sync benchmark's workloads, exactly the list
// in issue 3: steady file creation at 200 and 2000 files/s (the first also
// into a tree already holding 100,000 files), a burst of 20,000 files in new
// directories, 500 new a/b/c/d chains written into at once, a mixed run of
// modifies, renames, tree deletes and chmods, one 300 MB file written in
// 1 MB chunks, and a start-up with 100,000 files already present; then
// issue 8's directory moves: 400 directories unpacked under a temporary
// name and renamed into place, as deploy tools and archive extractors do.
//
// A workload writes through a Writer, which registers every version of
// every file with package probe just before close() and so makes latency
// measurable from the target's side. Pre-populated trees are built once
// per benchmark directory into a cache and hard-linked (or copied, where a
// workload changes them) into each run. Quick sizes scale everything down
// for a smoke run. Workloads are deterministic: every tool sees the same
// operations in the same order.
package scenario

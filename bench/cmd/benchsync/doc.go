// Command benchsync is luasync's side-by-side sync benchmark (issues 3 and
// 8): it starts an rsync daemon on 127.0.0.1, runs each scenario with
// luasync, lsyncd (default and tuned) and the classic inotifywait | rsync
// loop, each in a fresh source and module directory and -runs times, the
// tools in turn, and reports per-file latency, converge time, rsync runs,
// CPU, peak RSS and whether the trees ended identical, as Markdown tables
// (medians, with min and max) and JSON. Scenarios with a floor also get one
// plain rsync -a of their final tree per run. See bench/README.md.
//
//	go run ./bench/cmd/benchsync -quick
//	go run ./bench/cmd/benchsync -scenarios burst,mixed -tools luasync,lsyncd-tuned -out /tmp/r.md
//
// Its neighbours: package scenario (workloads), probe (arrival times on the
// target), converge (when the trees match), tool (the tools' configs),
// rsyncd (the daemon), proctree (CPU and memory accounting) and report.
package main

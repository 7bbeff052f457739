// Package proctree accounts for a tool under test as a tree of Linux
// processes: the tool and everything it started, found through /proc. It
// reads CPU time (the processes' own and that of the children they reaped),
// peak resident memory (VmHWM), how many inotify watches the tree holds (a
// tool is ready once it watches every directory), and it collects the CPU
// time of orphans the harness reaps as a child subreaper, so a shell loop
// killed mid-rsync is still counted.
//
// Linux only, like the rest of the benchmark; cmd/benchsync is its user.
package proctree

// Package converge decides when a target has caught up with its source and
// when that happened. Same is a cheap metadata-only comparison (names,
// types, sizes, modes, file mtimes) used to poll; the verdict is
// runtime/direct/treecmp.Diff, the project's full comparison with content.
// The converge time is the last change the target watch saw before a clean
// comparison during which the target stayed still, so polling slowly never
// inflates the figure.
//
// cmd/benchsync calls Wait after each workload; package probe supplies the
// target activity it reads.
package converge

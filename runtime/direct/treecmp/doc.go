// Package treecmp compares two directory trees the way a mirror is judged:
// same paths, types, sizes, content, permission and special mode bits,
// symlink targets, and modification times of regular files.
//
// It exists for tests: the direct sink's tests use it to prove a target
// equals its source, and end-to-end tests of other sinks (rsync, the daemon)
// import it for the same check. It reads both trees with Lstat and never
// follows a symlink, so a symlink loop or a link out of the tree is harmless.
package treecmp

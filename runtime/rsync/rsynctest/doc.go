// Package rsynctest starts the real parts the rsync sink is tested
// against, on 127.0.0.1 and free ports, each stopped in tb.Cleanup: an
// rsync daemon with an authenticated module (StartDaemon), and an sshd
// with throwaway host and client keys that lets the current user in
// (StartSSHD). Require fails a test, never skips it, when a tool is
// missing, and says how to install it.
//
// It is used by the tests of package rsync, of package daemon, and by the
// end-to-end tests; it imports nothing from luasync, so any of them can
// use it.
package rsynctest

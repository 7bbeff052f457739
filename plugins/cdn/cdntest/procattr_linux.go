package cdntest

import "syscall"

// procAttr puts varnishd in its own process group (so the cache child
// can be killed with the manager) and has the kernel stop it if the
// test binary dies without cleaning up (a test timeout's panic).
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}

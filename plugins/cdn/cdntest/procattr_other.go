//go:build !linux

package cdntest

import "syscall"

// procAttr puts varnishd in its own process group, so that the cache
// child can be killed with the manager.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

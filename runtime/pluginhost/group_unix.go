//go:build unix

package pluginhost

import (
	"os/exec"
	"syscall"
)

// ownGroup starts the plugin in a process group of its own: a plugin that
// hangs is killed with whatever it started (a command that hangs with
// it), and a Ctrl-C at luasync's terminal reaches luasync, which stops
// its plugins in order, not the plugins directly.
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// killGroup kills the process group that pid leads.
func killGroup(pid int) {
	if pid > 0 {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
	}
}

package contract

import "syscall"

// childAttr makes a helper process (the official client) die with the
// harness, so that an interrupted run leaves nothing running.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

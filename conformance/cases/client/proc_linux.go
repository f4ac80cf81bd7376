package client

import "syscall"

// childAttr puts a client command in its own process group (sh -c may
// start the client as a child of the shell: stopping the group stops both)
// and makes the shell die with the harness.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

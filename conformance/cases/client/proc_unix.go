//go:build unix

package client

import "syscall"

// signalGroup signals the process group a client command leads.
func signalGroup(pid int, sig syscall.Signal) { _ = syscall.Kill(-pid, sig) }

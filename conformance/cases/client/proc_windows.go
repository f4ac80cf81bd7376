package client

import "syscall"

// Windows has no process groups to signal nor sh: commands are run as
// they are given, and stopped by killing the process itself.
func childAttr() *syscall.SysProcAttr { return nil }

func signalGroup(int, syscall.Signal) {}

//go:build !linux

package target

import "syscall"

func procAttr() *syscall.SysProcAttr { return nil }

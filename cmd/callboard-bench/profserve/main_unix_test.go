//go:build unix

package main

import (
	"os"
	"syscall"
)

func sendRotate() error { return syscall.Kill(os.Getpid(), syscall.SIGUSR1) }

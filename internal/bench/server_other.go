//go:build !linux

package bench

import "syscall"

// childAttr has no parent-death signal outside Linux; the benchmark kills
// the child itself on every exit path.
func childAttr() *syscall.SysProcAttr { return nil }

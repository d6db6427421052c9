package bench

import "syscall"

// childAttr makes the kernel kill the child when the benchmark dies, so a
// crashed or killed benchmark never leaves a server running.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

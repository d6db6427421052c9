package bench

import (
	"os"
	"syscall"
)

// childAttr makes the kernel kill the child when the benchmark dies, so a
// crashed or killed benchmark never leaves a server running.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// nextProfileSegment asks profserve to start a new CPU profile segment.
func nextProfileSegment(p *os.Process) error { return p.Signal(syscall.SIGUSR1) }

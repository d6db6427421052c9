//go:build linux

package external

import "syscall"

// dieWithParent has the kernel kill the program when Callboard's process
// dies, even by SIGKILL, which runs no cleanup. The task is then resumed
// from the database and runs the step again; a program left running would
// do its work a second time. (The kernel sends the signal when the thread
// that started the program exits; Go keeps its threads for the process's
// life.)
func dieWithParent(a *syscall.SysProcAttr) {
	a.Pdeathsig = syscall.SIGKILL
}

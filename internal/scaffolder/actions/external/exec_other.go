//go:build !unix

package external

import (
	"fmt"
	"os"
	"os/exec"
)

// inProcessGroup leaves the default cancel, which kills the program
// itself; process groups are a Unix notion.
func inProcessGroup(*exec.Cmd) {}

func killGroup(*exec.Cmd) {}

func exitProblem(ps *os.ProcessState) string {
	return fmt.Sprintf("exited with code %d", ps.ExitCode())
}

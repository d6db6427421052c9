//go:build !linux

package bench

import (
	"errors"
	"os"
	"syscall"
)

// childAttr has no parent-death signal outside Linux; the benchmark kills
// the child itself on every exit path.
func childAttr() *syscall.SysProcAttr { return nil }

// nextProfileSegment is Linux-only, like the rest of the measurements.
func nextProfileSegment(*os.Process) error { return errors.New("profile segments need Linux") }

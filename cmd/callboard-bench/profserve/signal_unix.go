//go:build unix

package main

import (
	"os"
	"os/signal"
	"syscall"
)

// onRotateSignal calls fn on every SIGUSR1 until the returned stop is
// called.
func onRotateSignal(fn func()) (stop func()) {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGUSR1)
	go func() {
		for range c {
			fn()
		}
	}()
	return func() { signal.Stop(c) }
}

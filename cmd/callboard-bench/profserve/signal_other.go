//go:build !unix

package main

// onRotateSignal does nothing where there is no SIGUSR1: the profile is
// one segment.
func onRotateSignal(func()) (stop func()) { return func() {} }

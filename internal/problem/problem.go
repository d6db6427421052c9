// Package problem classifies errors the way Backstage names them
// (InputError, NotFoundError, ConflictError, ...). Engines create them where
// a problem starts; the HTTP layer maps the name to a status code once.
package problem

import (
	"errors"
	"fmt"
)

// Backstage error names.
const (
	InputError              = "InputError"
	AuthenticationError     = "AuthenticationError"
	NotAllowedError         = "NotAllowedError"
	NotFoundError           = "NotFoundError"
	ConflictError           = "ConflictError"
	NotModifiedError        = "NotModifiedError"
	NotImplementedError     = "NotImplementedError"
	ServiceUnavailableError = "ServiceUnavailableError"
)

// Error is a classified error with a message safe to show to the caller.
type Error struct {
	Name    string
	Message string
	Cause   error
}

func (e *Error) Error() string { return e.Name + ": " + e.Message }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Cause }

// New returns an *Error with the given name.
func New(name, format string, args ...any) *Error {
	return &Error{Name: name, Message: fmt.Sprintf(format, args...)}
}

// Input reports bad input from the caller (400).
func Input(format string, args ...any) *Error { return New(InputError, format, args...) }

// NotFound reports a missing resource (404).
func NotFound(format string, args ...any) *Error { return New(NotFoundError, format, args...) }

// Conflict reports a clash with existing state (409).
func Conflict(format string, args ...any) *Error { return New(ConflictError, format, args...) }

// NotAllowed reports a refused operation (403).
func NotAllowed(format string, args ...any) *Error { return New(NotAllowedError, format, args...) }

// Unauthenticated reports missing or bad credentials (401).
func Unauthenticated(format string, args ...any) *Error {
	return New(AuthenticationError, format, args...)
}

// WithCause returns a copy of e with its cause set.
func (e *Error) WithCause(cause error) *Error {
	c := *e
	c.Cause = cause
	return &c
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var p *Error
	ok := errors.As(err, &p)
	return p, ok
}

// Is reports whether err's chain holds an *Error named name.
func Is(err error, name string) bool {
	p, ok := As(err)
	return ok && p.Name == name
}

package catalog

import (
	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/problem"
)

// serializeErrors converts processing errors to Backstage's serialized
// form.
func serializeErrors(errs []error) []entity.SerializedError {
	out := make([]entity.SerializedError, len(errs))
	for i, err := range errs {
		out[i] = serializeError(err)
	}
	return out
}

// serializeError names an error as Backstage would: classified errors by
// their class, anything else "Error". As with Backstage's CustomErrorBase,
// the message of an error with a cause ends in "; caused by <cause>".
func serializeError(err error) entity.SerializedError {
	switch e := err.(type) {
	case *problem.Error:
		out := entity.SerializedError{Name: e.Name, Message: fullMessage(e)}
		if e.Cause != nil {
			c := serializeError(e.Cause)
			out.Cause = &c
		}
		return out
	case *entity.SerializedError:
		return *e
	}
	return entity.SerializedError{Name: "Error", Message: err.Error()}
}

func fullMessage(e *problem.Error) string {
	if e.Cause == nil {
		return e.Message
	}
	return e.Message + "; caused by " + describeError(e.Cause)
}

// describeError is "<name>: <message>", as JavaScript prints an error.
func describeError(err error) string {
	s := serializeError(err)
	return s.Name + ": " + s.Message
}

package problem

import "net/http"

// statusByName maps Backstage error names to HTTP status codes, as
// Backstage's error middleware does; any other name is a 500.
var statusByName = map[string]int{
	NotModifiedError:        http.StatusNotModified,
	InputError:              http.StatusBadRequest,
	AuthenticationError:     http.StatusUnauthorized,
	NotAllowedError:         http.StatusForbidden,
	NotFoundError:           http.StatusNotFound,
	ConflictError:           http.StatusConflict,
	NotImplementedError:     http.StatusNotImplemented,
	ServiceUnavailableError: http.StatusServiceUnavailable,
}

// Status returns the HTTP status code for err: the code its class maps to
// when err's chain holds an *Error, 500 for any other error, and 200 for
// nil.
func Status(err error) int {
	if err == nil {
		return http.StatusOK
	}
	p, ok := As(err)
	if !ok {
		return http.StatusInternalServerError
	}
	return StatusOf(p.Name)
}

// StatusOf returns the HTTP status code for a Backstage error name; unknown
// names are a 500.
func StatusOf(name string) int {
	if s, ok := statusByName[name]; ok {
		return s
	}
	return http.StatusInternalServerError
}

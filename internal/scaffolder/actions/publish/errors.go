package publish

import (
	"fmt"
	"net/http"

	"github.com/callboard/callboard/internal/problem"
)

// wrap prefixes err with prefix and keeps its problem class.
func wrap(prefix string, err error) error {
	if p, ok := problem.As(err); ok {
		return &problem.Error{Name: p.Name, Message: prefix + ": " + p.Message, Cause: err}
	}
	return fmt.Errorf("%s: %w", prefix, err)
}

// apiError names a failed forge API call ("create repository (POST
// /orgs/acme/repos)") and classifies it by the answer's status code.
func apiError(call string, status int, err error) error {
	var name string
	switch status {
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		name = problem.InputError
	case http.StatusUnauthorized:
		name = problem.AuthenticationError
	case http.StatusForbidden:
		name = problem.NotAllowedError
	case http.StatusNotFound:
		name = problem.NotFoundError
	case http.StatusConflict:
		name = problem.ConflictError
	default:
		return fmt.Errorf("%s: %w", call, err)
	}
	return &problem.Error{Name: name, Message: call + ": " + err.Error(), Cause: err}
}

package problem

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
)

func TestStatus(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, http.StatusOK},
		{"plain", errors.New("boom"), http.StatusInternalServerError},
		{"input", Input("bad"), http.StatusBadRequest},
		{"wrapped not found", fmt.Errorf("read: %w", NotFound("gone")), http.StatusNotFound},
		{"authentication", Unauthenticated("who"), http.StatusUnauthorized},
		{"not allowed", NotAllowed("no"), http.StatusForbidden},
		{"conflict", Conflict("twice"), http.StatusConflict},
		{"not modified", New(NotModifiedError, "same"), http.StatusNotModified},
		{"not implemented", New(NotImplementedError, "later"), http.StatusNotImplemented},
		{"unavailable", New(ServiceUnavailableError, "busy"), http.StatusServiceUnavailable},
		{"unknown name", New("WeirdError", "odd"), http.StatusInternalServerError},
		{"outermost class wins", NotFound("outer").WithCause(Input("inner")), http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Status(tt.err); got != tt.want {
				t.Errorf("Status(%v) = %d, want %d", tt.err, got, tt.want)
			}
		})
	}
}

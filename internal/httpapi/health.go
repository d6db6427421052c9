package httpapi

import (
	"net/http"
)

// healthStatus is the body of every health answer.
type healthStatus struct {
	Message string `json:"message,omitempty"`
	Status  string `json:"status"`
}

var healthOK = healthStatus{Status: "ok"}

// healthcheck is the legacy GET /healthcheck.
func (s *server) healthcheck(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, healthOK)
}

// liveness is GET /.backstage/health/v1/liveness: the process answers.
func (s *server) liveness(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, healthOK)
}

// readinessCheck is GET /.backstage/health/v1/readiness: 200 once the app
// says it is ready, else 503 with Backstage's body
// {"message": "...", "status": "error"}.
func (s *server) readinessCheck(w http.ResponseWriter, r *http.Request) error {
	if s.readiness != nil {
		if err := s.readiness(r.Context()); err != nil {
			return writeJSON(w, http.StatusServiceUnavailable, healthStatus{Status: "error", Message: err.Error()})
		}
	}
	return writeJSON(w, http.StatusOK, healthOK)
}

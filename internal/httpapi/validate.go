package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/problem"
)

// validateBody is the body of POST /validate-entity.
type validateBody struct {
	Entity   json.RawMessage `json:"entity"`
	Location string          `json:"location"`
}

// validationErrors is the 400 answer of POST /validate-entity.
type validationErrors struct {
	Errors []entity.SerializedError `json:"errors"`
}

// validateEntity is POST /validate-entity: run the processing pipeline over
// an entity without storing it. Unlike other endpoints, every input problem
// is answered as 400 {"errors": [...]}, as Backstage does.
func (s *server) validateEntity(w http.ResponseWriter, r *http.Request) error {
	data, location, err := readValidateBody(r)
	if err != nil {
		if p, ok := problem.As(err); ok && p.Name == problem.InputError {
			return writeValidationErrors(w, []entity.SerializedError{serializeProblem(p)})
		}
		return err
	}
	if err := s.require(r, catalog.PermissionEntityValidate, location); err != nil {
		return err
	}
	errs, err := s.writer.ValidateEntity(r.Context(), data, location)
	if err != nil {
		if p, ok := problem.As(err); ok && p.Name == problem.InputError {
			return writeValidationErrors(w, []entity.SerializedError{serializeProblem(p)})
		}
		return err
	}
	if len(errs) > 0 {
		return writeValidationErrors(w, errs)
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

func readValidateBody(r *http.Request) (map[string]any, string, error) {
	b, members, err := readJSONObject(r, bodyRequired)
	if err != nil {
		return nil, "", err
	}
	var body validateBody
	if err := decodeBody(b, members, &body, false, "entity", "location"); err != nil {
		return nil, "", err
	}
	var data map[string]any
	if err := json.Unmarshal(body.Entity, &data); err != nil || data == nil {
		return nil, "", problem.Input(`Malformed request: property "entity" must be an object`)
	}
	return data, body.Location, nil
}

func writeValidationErrors(w http.ResponseWriter, errs []entity.SerializedError) error {
	return writeJSON(w, http.StatusBadRequest, validationErrors{Errors: errs})
}

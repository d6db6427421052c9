package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/problem"
)

// analyzeBody is the body of POST /analyze-location. Backstage's spec
// names the file key catalogFileName while its handler reads
// catalogFilename; both are accepted.
type analyzeBody struct {
	Location        json.RawMessage `json:"location"`
	CatalogFilename string          `json:"catalogFilename"`
	CatalogFileName string          `json:"catalogFileName"`
}

// analyzeLocation is POST /analyze-location.
func (s *server) analyzeLocation(w http.ResponseWriter, r *http.Request) error {
	b, members, err := readJSONObject(r, bodyRequired)
	if err != nil {
		return err
	}
	var body analyzeBody
	if err := decodeBody(b, members, &body, false, "location"); err != nil {
		return err
	}
	var locMembers map[string]json.RawMessage
	if err := json.Unmarshal(body.Location, &locMembers); err != nil || locMembers == nil {
		return problem.Input(`Malformed request: property "location" must be an object`)
	}
	loc, err := decodeLocationInput(body.Location, locMembers)
	if err != nil {
		return err
	}
	if err := s.require(r, catalog.PermissionLocationAnalyze, loc.Type+":"+loc.Target); err != nil {
		return err
	}
	registered, err := s.registeredLocations(r)
	if err != nil {
		return err
	}
	filename := body.CatalogFilename
	if filename == "" {
		filename = body.CatalogFileName
	}
	res, err := s.analyzer.Analyze(r.Context(), catalog.AnalyzeRequest{Location: loc, CatalogFilename: filename}, registered)
	if err != nil {
		return err
	}
	out := *res
	if out.ExistingEntityFiles == nil {
		out.ExistingEntityFiles = []catalog.ExistingEntityFile{}
	}
	if out.GenerateEntities == nil {
		out.GenerateEntities = []catalog.GeneratedEntity{}
	}
	for i := range out.GenerateEntities {
		if out.GenerateEntities[i].Fields == nil {
			out.GenerateEntities[i].Fields = []catalog.AnalyzeFieldHint{}
		}
	}
	return writeJSON(w, http.StatusOK, out)
}

// registeredLocations returns a test for "is this location registered",
// from the registered locations as they are now.
func (s *server) registeredLocations(r *http.Request) (func(catalog.LocationInput) bool, error) {
	locs, err := s.writer.Locations(r.Context())
	if err != nil {
		return nil, err
	}
	known := make(map[[2]string]bool, len(locs))
	for _, l := range locs {
		known[[2]string{l.Type, l.Target}] = true
	}
	return func(in catalog.LocationInput) bool { return known[[2]string{in.Type, in.Target}] }, nil
}

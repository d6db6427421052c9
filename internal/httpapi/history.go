package httpapi

import (
	"net/http"

	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/problem"
)

// history is Callboard's GET
// /entities/by-name/{kind}/{namespace}/{name}/history?limit=&cursor=: the
// entity's recorded changes, newest first, one page at a time.
func (s *server) history(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, err := intParam(q, "limit")
	if err != nil {
		return err
	}
	var req catalog.HistoryRequest
	if limit != nil {
		if *limit <= 0 {
			return problem.Input("Invalid limit, must be greater than zero")
		}
		req.Limit = *limit
	}
	if req.Cursor, _, err = cursorParam(q); err != nil {
		return err
	}
	rd, err := s.entityReader(r)
	if err != nil {
		return err
	}
	page, err := rd.History(r.Context(), pathRef(r), req)
	if err != nil {
		return err
	}
	out := *page
	if out.Items == nil {
		out.Items = []catalog.HistoryEntry{}
	}
	return writeJSON(w, http.StatusOK, out)
}

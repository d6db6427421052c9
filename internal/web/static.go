package web

import (
	"bytes"
	"net/http"
	"time"

	"github.com/callboard/callboard/internal/problem"
)

// static serves a file of static/. Under its hashed name the content never
// changes, so browsers keep it for a year without asking; under its plain
// name, and in development mode, they revalidate with the ETag each time.
func (s *site) static(w http.ResponseWriter, r *http.Request) error {
	b, err := s.bundle()
	if err != nil {
		return err
	}
	a, ok := b.assets[r.PathValue("file")]
	if !ok {
		return problem.NotFound("There is no static file %s.", r.URL.Path)
	}
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("ETag", a.etag)
	if a.immutable && !s.dev {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
	return nil
}

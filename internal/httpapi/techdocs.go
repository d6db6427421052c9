package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/blob"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/techdocs"
)

// TechDocs serves published docs sites and their builds;
// *techdocs.Service implements it.
type TechDocs interface {
	Open(ctx context.Context, ref entity.Ref, file string) (io.ReadCloser, blob.Info, error)
	MetadataRaw(ctx context.Context, ref entity.Ref) ([]byte, error)
	Sync(ctx context.Context, e *entity.Entity, logf func(string)) (bool, error)
	RedirectMixedCase() bool
}

var _ TechDocs = (*techdocs.Service)(nil)

// techdocsMount is where the TechDocs plugin's routes live.
const techdocsMount = "/api/techdocs"

// techdocsStatic is the mount of the static site files.
const techdocsStatic = techdocsMount + "/static/docs"

// techdocsOff answers a TechDocs route when TechDocs is off, with the
// plain 404 of an unknown route.
func (s *server) techdocsOff(w http.ResponseWriter) bool {
	if s.techdocs != nil {
		return false
	}
	w.WriteHeader(http.StatusNotFound)
	return true
}

// techdocsRef is "kind:namespace/name" as Backstage's stringifyEntityRef
// writes it in messages: kind and namespace lower-cased, the name as
// given.
func techdocsRef(ref entity.Ref) string {
	return strings.ToLower(ref.Kind) + ":" + strings.ToLower(ref.Namespace) + "/" + ref.Name
}

// readableEntity loads the entity of the path as the caller may read it;
// nil when there is none or the caller may not see it.
func (s *server) readableEntity(r *http.Request) (*entity.Entity, error) {
	rd, err := s.entityReader(r)
	if err != nil {
		return nil, err
	}
	raw, err := rd.EntityByRef(r.Context(), pathRef(r))
	if err != nil {
		if problem.Is(err, problem.NotFoundError) {
			return nil, nil
		}
		return nil, err
	}
	if raw == nil {
		return nil, nil
	}
	var e entity.Entity
	if err := json.Unmarshal(raw, &e); err != nil {
		return nil, fmt.Errorf("decode entity %s: %w", pathRef(r), err)
	}
	return &e, nil
}

// techdocsSiteRoot sends the site folder without its slash to the
// folder, as a static file server does.
func (s *server) techdocsSiteRoot(w http.ResponseWriter, r *http.Request) error {
	if s.techdocsOff(w) {
		return nil
	}
	http.Redirect(w, r, r.URL.EscapedPath()+"/", http.StatusMovedPermanently)
	return nil
}

// techdocsStaticFile is GET /static/docs/{namespace}/{kind}/{name}/<path>:
// a file of the entity's published site. A mixed-case triplet is
// redirected to the lower-case one (local publisher) or read lower-cased;
// the entity must be readable; files that could render as a page in the
// browser are sent as text.
func (s *server) techdocsStaticFile(w http.ResponseWriter, r *http.Request) error {
	if s.techdocsOff(w) {
		return nil
	}
	ref := pathRef(r)
	lower := ref.Canonical()
	if ref != lower && s.techdocs.RedirectMixedCase() {
		rest := r.PathValue("path")
		target := techdocsStatic + "/" + escapeSegments(lower.Namespace, lower.Kind, lower.Name, rest)
		http.Redirect(w, r, target, http.StatusMovedPermanently)
		return nil
	}
	e, err := s.readableEntity(r)
	if err != nil {
		return err
	}
	if e == nil {
		return problem.NotFound("Entity not found for %s", techdocsRef(ref))
	}
	file := r.PathValue("path")
	// The publisher lower-cases the triplet, unless the legacy layout
	// keeps it as written; either way the path's spelling is what to read.
	rc, info, err := s.techdocs.Open(r.Context(), ref, file)
	if err != nil {
		if problem.Is(err, problem.NotFoundError) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, "File Not Found")
			return nil
		}
		return err
	}
	defer rc.Close()
	if file == "" || strings.HasSuffix(file, "/") {
		file += "index.html"
	}
	h := w.Header()
	h.Set("Content-Type", staticContentType(path.Ext(file)))
	h.Set("X-Content-Type-Options", "nosniff")
	if info.ETag != "" {
		h.Set("ETag", info.ETag)
	}
	if !info.ModTime.IsZero() {
		h.Set("Last-Modified", info.ModTime.UTC().Format(http.TimeFormat))
	}
	if info.ETag != "" && etagMatches(r.Header.Get("If-None-Match"), info.ETag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	if info.Size >= 0 {
		h.Set("Content-Length", strconv.FormatInt(info.Size, 10))
	}
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(w, rc)
	return nil
}

// escapeSegments escapes each segment of slash-separated paths and joins
// them with slashes.
func escapeSegments(paths ...string) string {
	var segs []string
	for _, p := range paths {
		for seg := range strings.SplitSeq(p, "/") {
			segs = append(segs, url.PathEscape(seg))
		}
	}
	return strings.Join(segs, "/")
}

// etagMatches reports whether an If-None-Match header names etag.
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	if strings.TrimSpace(header) == "*" {
		return true
	}
	for t := range strings.SplitSeq(header, ",") {
		if strings.TrimPrefix(strings.TrimSpace(t), "W/") == strings.TrimPrefix(etag, "W/") {
			return true
		}
	}
	return false
}

// textOnly matches the extensions Backstage never serves with their own
// type, since a browser would render them (and run their scripts) on our
// origin: the frontend fetches and sanitises HTML itself.
var textOnly = regexp.MustCompile(`(?i)htm|xml|svg|appcache|manifest|mathml|owl|rdf|rng|vtt|xht|xsd|xsl`)

// contentTypes are the types Node's mime-types library gives common site
// files, where Go's table differs.
var contentTypes = map[string]string{
	".css":   "text/css; charset=utf-8",
	".js":    "application/javascript; charset=utf-8",
	".mjs":   "application/javascript; charset=utf-8",
	".json":  "application/json; charset=utf-8",
	".map":   "application/json; charset=utf-8",
	".txt":   "text/plain; charset=utf-8",
	".md":    "text/markdown; charset=utf-8",
	".png":   "image/png",
	".jpg":   "image/jpeg",
	".jpeg":  "image/jpeg",
	".gif":   "image/gif",
	".webp":  "image/webp",
	".ico":   "image/vnd.microsoft.icon",
	".woff":  "font/woff",
	".woff2": "font/woff2",
	".ttf":   "font/ttf",
	".pdf":   "application/pdf",
}

// staticContentType is Backstage's getHeadersForFileExtension.
func staticContentType(ext string) string {
	const plain = "text/plain; charset=utf-8"
	if ext == "" || textOnly.MatchString(ext) {
		return plain
	}
	if ct, ok := contentTypes[strings.ToLower(ext)]; ok {
		return ct
	}
	ct := mime.TypeByExtension(ext)
	if ct == "" || strings.HasPrefix(ct, "application/octet-stream") || strings.Contains(ct, "xml") || strings.HasPrefix(ct, "multipart/") {
		return plain
	}
	return ct
}

// techdocsMetadata is GET /metadata/techdocs/{namespace}/{kind}/{name}:
// the site's techdocs_metadata.json.
func (s *server) techdocsMetadata(w http.ResponseWriter, r *http.Request) error {
	if s.techdocsOff(w) {
		return nil
	}
	ref := pathRef(r)
	notFound := func(cause error) error {
		p := problem.NotFound("Unable to get metadata for '%s'", techdocsRef(ref))
		if cause != nil {
			p = p.WithCause(cause)
		}
		return p
	}
	e, err := s.readableEntity(r)
	if err != nil {
		return err
	}
	if e == nil {
		return notFound(nil)
	}
	raw, err := s.techdocs.MetadataRaw(r.Context(), ref)
	if err != nil {
		if problem.Is(err, problem.NotFoundError) {
			return notFound(err)
		}
		return err
	}
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil {
		return notFound(problem.Input("The published %s is not valid JSON", techdocs.MetadataFile))
	}
	return writeJSON(w, http.StatusOK, v)
}

// techdocsEntityMetadata is GET /metadata/entity/{namespace}/{kind}/{name}:
// the entity with its resolved docs location.
func (s *server) techdocsEntityMetadata(w http.ResponseWriter, r *http.Request) error {
	if s.techdocsOff(w) {
		return nil
	}
	ref := pathRef(r)
	rd, err := s.entityReader(r)
	if err != nil {
		return err
	}
	raw, err := rd.EntityByRef(r.Context(), ref)
	if err != nil || raw == nil {
		if err == nil || problem.Is(err, problem.NotFoundError) {
			return problem.NotFound("Unable to get metadata for '%s'", techdocsRef(ref))
		}
		return err
	}
	var e entity.Entity
	if err := json.Unmarshal(raw, &e); err != nil {
		return fmt.Errorf("decode entity %s: %w", ref, err)
	}
	loc, err := techdocs.ResolveLocation(&e)
	if err != nil {
		p := problem.NotFound("Unable to get metadata for '%s'", techdocsRef(ref))
		if c, ok := problem.As(err); ok {
			p = p.WithCause(c)
		}
		return p
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		return fmt.Errorf("decode entity %s: %w", ref, err)
	}
	out["locationMetadata"] = loc
	return writeJSON(w, http.StatusOK, out)
}

// techdocsSync is GET /sync/{namespace}/{kind}/{name}: an event stream of
// the update check's log lines, then one finish or error event.
func (s *server) techdocsSync(w http.ResponseWriter, r *http.Request) error {
	if s.techdocsOff(w) {
		return nil
	}
	e, err := s.readableEntity(r)
	if err != nil {
		return err
	}
	if e == nil || e.Metadata.UID == "" {
		return problem.NotFound("Entity metadata UID missing")
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("Connection", "keep-alive")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	send := func(event string, data any) {
		b, err := json.Marshal(data)
		if err != nil {
			return
		}
		_, _ = fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, b)
		_ = rc.Flush()
	}
	_ = rc.Flush()
	updated, err := s.techdocs.Sync(r.Context(), e, func(line string) { send("log", line) })
	if r.Context().Err() != nil {
		return nil
	}
	if err != nil {
		msg := err.Error()
		if p, ok := err.(*problem.Error); ok {
			msg = p.Message // Backstage sends the error's message alone
		}
		send("error", msg)
		return nil
	}
	send("finish", map[string]bool{"updated": updated})
	return nil
}

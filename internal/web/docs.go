package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/blob"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/techdocs"
	"github.com/callboard/callboard/plugin"
)

// DocsService is TechDocs as the docs pages read it; *techdocs.Service
// implements it.
type DocsService interface {
	Page(ctx context.Context, ref entity.Ref, file, base string) (*techdocs.Page, error)
	Search(ctx context.Context, ref entity.Ref, q string, limit int) ([]techdocs.SearchHit, error)
	Open(ctx context.Context, ref entity.Ref, file string) (io.ReadCloser, blob.Info, error)
	Metadata(ctx context.Context, ref entity.Ref) (*techdocs.Metadata, error)
	Status(ref entity.Ref) techdocs.Status
	Request(e *entity.Entity)
}

var _ DocsService = (*techdocs.Service)(nil)

// DocsOptions configure the docs pages. Docs and Catalog are required.
type DocsOptions struct {
	Docs    DocsService
	Catalog CatalogReader
	// ReaderFor is as in Options: the catalog as the reader may see it.
	ReaderFor func(ctx context.Context) (CatalogReader, error)
	// MermaidScript is techdocs.mermaid.scriptUrl: pages with diagrams
	// load it, and the page's script policy allows it.
	MermaidScript string
	Logger        *slog.Logger
	// Dev, DevDir and Title are as in Options.
	Dev    bool
	DevDir string
	Title  string
}

// DocsPaths are the path patterns the docs handler serves, for the
// composition root's router.
var DocsPaths = []string{"/docs", "/docs/"}

// Docs is the documentation part of the portal: the index of entities
// with docs (/docs), the reader (/docs/{namespace}/{kind}/{name}/...) and
// the Docs tab of entity pages.
type Docs struct {
	*site
	docs    DocsService
	mermaid string
	handler http.Handler
}

// NewDocs builds the docs pages. It panics if the embedded templates do
// not parse, which the package's tests rule out.
func NewDocs(o DocsOptions) *Docs {
	s := &site{catalog: o.Catalog, readerFor: o.ReaderFor, log: o.Logger, title: o.Title, dev: o.Dev, devDir: o.DevDir}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.title == "" {
		s.title = DefaultTitle
	}
	if s.devDir == "" {
		s.devDir = DefaultDevDir
	}
	if !s.dev {
		b, err := embeddedBundle()
		if err != nil {
			panic(fmt.Sprintf("web: embedded templates: %v", err))
		}
		s.fixed = b
	}
	d := &Docs{site: s, docs: o.Docs, mermaid: o.MermaidScript}
	mux := http.NewServeMux()
	mux.Handle("GET /docs", s.handle(d.index))
	mux.Handle("GET /docs/{namespace}/{kind}/{name}", s.handle(d.siteRoot))
	mux.Handle("GET /docs/{namespace}/{kind}/{name}/{path...}", s.handle(d.read))
	mux.Handle("/", s.handle(s.notFound))
	d.handler = s.observe(securityHeaders(mux))
	return d
}

// ServeHTTP serves the docs pages.
func (d *Docs) ServeHTTP(w http.ResponseWriter, r *http.Request) { d.handler.ServeHTTP(w, r) }

// Tab is the Docs tab of entity pages.
func (d *Docs) Tab() plugin.EntityTab { return docsTab{d} }

// docsBase is the portal URL of ref's site root.
func docsBase(ref entity.Ref) string {
	c := ref.Canonical()
	return "/docs/" + url.PathEscape(c.Namespace) + "/" + url.PathEscape(c.Kind) + "/" + url.PathEscape(c.Name) + "/"
}

// docsEntity reads the entity of a docs path as the reader may see it.
func (d *Docs) docsEntity(r *http.Request) (*entity.Entity, error) {
	cat, err := d.reader(r)
	if err != nil {
		return nil, err
	}
	ref := entity.Ref{Kind: r.PathValue("kind"), Namespace: r.PathValue("namespace"), Name: r.PathValue("name")}
	raw, err := cat.EntityByRef(r.Context(), ref)
	if err != nil {
		return nil, err
	}
	if raw == nil {
		return nil, problem.NotFound("No entity named '%s' found, with kind '%s' in namespace '%s'", ref.Name, ref.Kind, ref.Namespace)
	}
	return decodeEntity(raw)
}

// siteRoot sends /docs/{namespace}/{kind}/{name} to its folder, where
// the site's relative links resolve.
func (d *Docs) siteRoot(w http.ResponseWriter, r *http.Request) error {
	target := r.URL.EscapedPath() + "/"
	if r.URL.RawQuery != "" {
		target += "?" + r.URL.RawQuery
	}
	http.Redirect(w, r, target, http.StatusMovedPermanently)
	return nil
}

// read serves a docs path: a page of the site in the portal's layout, the
// site's search, or one of its files (images and the like).
func (d *Docs) read(w http.ResponseWriter, r *http.Request) error {
	e, err := d.docsEntity(r)
	if err != nil {
		return err
	}
	rest := r.PathValue("path")
	// An entity may show another's docs (backstage.io/techdocs-entity).
	if other := e.Annotation(entity.AnnotationTechDocsEntity); other != "" && !techdocs.HasDocs(e) {
		ns := e.Metadata.Namespace
		if ns == "" {
			ns = entity.DefaultNamespace
		}
		to, err := entity.ParseRef(other, entity.RefDefaults{Namespace: ns})
		if err != nil {
			return problem.Input("The %s annotation of %s is not an entity reference: %s", entity.AnnotationTechDocsEntity, e.Ref(), err.Error())
		}
		http.Redirect(w, r, docsBase(to)+escapePath(rest), http.StatusFound)
		return nil
	}
	if !cleanSitePath(rest) {
		return problem.NotFound("There is no page at %s.", r.URL.Path)
	}
	// Sites are read under the entity's own spelling: the publisher
	// lower-cases it unless the legacy case-sensitive layout is on.
	ref := e.Ref()
	base := docsBase(ref)
	// One address per page: the canonical triplet, folders with a slash.
	want := base + escapePath(rest)
	if rest != "" && !strings.HasSuffix(rest, "/") && path.Ext(rest) == "" {
		want += "/"
	}
	if want != r.URL.EscapedPath() {
		if r.URL.RawQuery != "" {
			want += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, want, http.StatusMovedPermanently)
		return nil
	}
	d.docs.Request(e) // check for an update in the background
	file, isPage := techdocs.PageFile(rest)
	if !isPage {
		return d.asset(w, r, ref, rest)
	}
	return d.page(w, r, e, ref, base, file)
}

// cleanSitePath reports whether p is a plain path inside a site: no
// "." or ".." segments, no empty segment before the end, no backslash.
func cleanSitePath(p string) bool {
	if strings.ContainsAny(p, "\\\x00") {
		return false
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if s == "." || s == ".." || (s == "" && i < len(segs)-1) {
			return false
		}
	}
	return true
}

// escapePath escapes each segment of a slash path.
func escapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// assetPolicy is the content security policy of files served from a
// site: they are shown (images) but never run anything on our origin,
// even when opened on their own.
const assetPolicy = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox"

// asset streams a file of the site, such as an image or a PDF.
func (d *Docs) asset(w http.ResponseWriter, r *http.Request, ref entity.Ref, file string) error {
	rc, info, err := d.docs.Open(r.Context(), ref, file)
	if err != nil {
		if problem.Is(err, problem.NotFoundError) {
			return problem.NotFound("The docs of %s have no file %s.", ref, file)
		}
		return err
	}
	defer rc.Close()
	ctype := mime.TypeByExtension(path.Ext(file))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Security-Policy", assetPolicy)
	h.Set("Cache-Control", "no-cache")
	if info.ETag != "" {
		h.Set("ETag", info.ETag)
		if inm := r.Header.Get("If-None-Match"); inm != "" && strings.Contains(inm, info.ETag) {
			w.WriteHeader(http.StatusNotModified)
			return nil
		}
	}
	if info.Size >= 0 {
		h.Set("Content-Length", strconv.FormatInt(info.Size, 10))
	}
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(w, rc)
	return nil
}

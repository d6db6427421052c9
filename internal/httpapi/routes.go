package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/callboard/callboard/internal/permission"
)

// Options are the services and settings behind the API.
type Options struct {
	Reader   CatalogReader
	Writer   CatalogWriter
	Analyzer LocationAnalyzer
	// Unprocessed serves the unprocessed-entities endpoints.
	Unprocessed UnprocessedEntities
	// Readiness reports whether the backend is ready for traffic; its error
	// message is shown on the readiness endpoint. nil means always ready.
	Readiness func(ctx context.Context) error
	Logger    *slog.Logger
	// BaseURL is the backend's external base URL (backend.baseUrl). When
	// set, the Link header of paged GET /entities is an absolute URL a
	// client can follow; when empty it is relative to the plugin mount,
	// exactly as Backstage writes it.
	BaseURL string
	// MaxBodyBytes bounds request bodies; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Permissions decides every route's permission (authz.go); nil
	// leaves the routes unchecked.
	Permissions Authorizer
	// Audit records every write and denial and serves /api/audit; nil
	// records nothing and leaves /api/audit answering 404.
	Audit AuditLog
	// TechDocs serves /api/techdocs; nil leaves it answering 404.
	TechDocs TechDocs
	// Scaffolder serves /api/scaffolder; nil leaves it answering 404.
	Scaffolder Scaffolder
	// Search serves /api/search; nil leaves it answering 404.
	Search Search
	// Slack serves the Slack interactions endpoint; nil leaves it
	// answering 404.
	Slack *SlackOptions
}

// DefaultMaxBodyBytes is the request body limit when Options sets none.
const DefaultMaxBodyBytes = 10 << 20

// catalogMount is where the catalog plugin's routes live.
const catalogMount = "/api/catalog"

// server holds what the handlers share.
type server struct {
	reader      CatalogReader
	writer      CatalogWriter
	analyzer    LocationAnalyzer
	unprocessed UnprocessedEntities
	readiness   func(ctx context.Context) error
	log         *slog.Logger
	baseURL     string
	errs        errorWriter
	authz       Authorizer
	audit       AuditLog
	perms       map[string]permission.Permission
	techdocs    TechDocs
	scaffolder  Scaffolder
	search      Search
	slack       *SlackOptions
}

// route is one entry of the API surface: a ServeMux pattern and its handler.
type route struct {
	pattern string
	handle  handlerFunc
}

// routes is the whole surface, in one place.
func (s *server) routes() []route {
	const c = catalogMount
	rs := []route{
		{"POST " + c + "/refresh", s.refresh},
		{"GET " + c + "/entities", s.listEntities},
		{"GET " + c + "/entities/by-uid/{uid}", s.entityByUID},
		{"DELETE " + c + "/entities/by-uid/{uid}", s.deleteEntityByUID},
		{"GET " + c + "/entities/by-name/{kind}/{namespace}/{name}", s.entityByName},
		{"GET " + c + "/entities/by-name/{kind}/{namespace}/{name}/ancestry", s.ancestry},
		{"GET " + c + "/entities/by-name/{kind}/{namespace}/{name}/history", s.history},
		{"POST " + c + "/entities/by-refs", s.entitiesByRefs},
		{"GET " + c + "/entities/by-query", s.queryEntitiesGet},
		{"POST " + c + "/entities/by-query", s.queryEntitiesPost},
		{"GET " + c + "/entity-facets", s.facetsGet},
		{"POST " + c + "/entity-facets", s.facetsPost},
		{"POST " + c + "/locations", s.createLocation},
		{"GET " + c + "/locations", s.locations},
		{"POST " + c + "/locations/by-query", s.locationsByQuery},
		{"GET " + c + "/locations/{id}", s.location},
		{"PUT " + c + "/locations/{id}", s.updateLocation},
		{"DELETE " + c + "/locations/{id}", s.deleteLocation},
		{"GET " + c + "/locations/by-entity/{kind}/{namespace}/{name}", s.locationByEntity},
		{"POST " + c + "/analyze-location", s.analyzeLocation},
		{"POST " + c + "/validate-entity", s.validateEntity},
		{"GET " + c + "/entities/unprocessed/pending", s.unprocessedPending},
		{"GET " + c + "/entities/unprocessed/failed", s.unprocessedFailed},
		{"DELETE " + c + "/entities/unprocessed/delete/{entityId}", s.unprocessedDelete},
		{"POST " + c + "/.well-known/backstage/permissions/apply-conditions", s.applyConditions},
		{"GET " + c + "/.well-known/backstage/permissions/metadata", s.permissionMetadata},
		{"POST " + permissionMount + "/authorize", s.authorize},
		{"GET " + auditMount + "/events", s.auditEvents},
		{"GET " + auditMount + "/events/export", s.auditExport},
		{"GET /healthcheck", s.healthcheck},
		{"GET /.backstage/health/v1/liveness", s.liveness},
		{"GET /.backstage/health/v1/readiness", s.readinessCheck},
		{"GET " + techdocsStatic + "/{namespace}/{kind}/{name}", s.techdocsSiteRoot},
		{"GET " + techdocsStatic + "/{namespace}/{kind}/{name}/{path...}", s.techdocsStaticFile},
		{"GET " + techdocsMount + "/metadata/techdocs/{namespace}/{kind}/{name}", s.techdocsMetadata},
		{"GET " + techdocsMount + "/metadata/entity/{namespace}/{kind}/{name}", s.techdocsEntityMetadata},
		{"GET " + techdocsMount + "/sync/{namespace}/{kind}/{name}", s.techdocsSync},
	}
	rs = append(rs, s.searchRoutes()...)
	return append(rs, s.scaffolderRoutes()...)
}

// New returns the HTTP handler for the whole API, with request logging,
// panic recovery and the body size limit applied.
func New(o Options) http.Handler {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	limit := o.MaxBodyBytes
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	s := &server{
		reader:      o.Reader,
		writer:      o.Writer,
		analyzer:    o.Analyzer,
		unprocessed: o.Unprocessed,
		readiness:   o.Readiness,
		log:         log,
		baseURL:     strings.TrimSuffix(o.BaseURL, "/"),
		errs:        errorWriter{log: log},
		authz:       o.Permissions,
		audit:       o.Audit,
		perms:       knownPermissions(),
		techdocs:    o.TechDocs,
		scaffolder:  o.Scaffolder,
		search:      o.Search,
		slack:       o.Slack,
	}
	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		mux.Handle(rt.pattern, s.errs.handle(s.audited(rt.handle)))
	}
	// Anything else, including a known path with another method, is a plain
	// 404 with an empty body, as Backstage's notFound middleware answers.
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
	})
	return logRequests(log, recoverPanics(s.errs, limitBody(s.errs, limit, mux)))
}

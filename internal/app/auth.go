package app

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/auth"
	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/config"
	"github.com/callboard/callboard/internal/httpapi"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/web"
)

// readOnlyPosts are the POST endpoints that only read: a personal access
// token with the read scope may call them.
var readOnlyPosts = []string{
	"/api/catalog/entities/by-query",
	"/api/catalog/entities/by-refs",
	"/api/catalog/entity-facets",
	"/api/catalog/locations/by-query",
	"/api/catalog/validate-entity",
	"/api/catalog/.well-known/backstage/permissions/apply-conditions",
	"/api/permission/authorize",
}

// uiPublicPrefixes are UI paths open without signing in: the static files
// and the theme switch the sign-in page uses.
var uiPublicPrefixes = []string{"/static/", "/theme"}

// newAuth builds sign-in over the database and the catalog.
func newAuth(cfg *config.Config, log *slog.Logger, db *store.DB, query *catalog.Query) (*auth.Service, error) {
	svc, err := auth.New(auth.Options{
		Config:         cfg,
		BaseURL:        cfg.Backend.BaseURL,
		Store:          store.NewAuth(db),
		Users:          catalogUsers{query},
		Logger:         log.With("component", "auth"),
		PublicPrefixes: append(slices.Clone(uiPublicPrefixes), httpapi.PublicPrefixes()...),
		ReadOnlyPosts:  readOnlyPosts,
	})
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	return svc, nil
}

// mountAuth adds the auth plugin's routes and the account pages to mux and
// returns the whole surface behind the authentication middleware, with
// inner (the audit log's middleware, which needs the identity) between
// them.
func mountAuth(mux *http.ServeMux, svc *auth.Service, inner func(http.Handler) http.Handler, pages web.AccountOptions) http.Handler {
	mux.Handle(auth.Mount+"/", svc.Handler())
	pages.Accounts = svc
	ui := web.NewAccountPages(pages)
	handleAll(mux, web.AccountPaths, ui)
	return svc.Wrap(inner(mux))
}

// catalogUsers adapts the catalog's query service to what sign-in reads.
type catalogUsers struct{ q *catalog.Query }

var _ auth.CatalogUsers = catalogUsers{}

// UserByRef returns the entity with that ref; nil when there is none.
func (c catalogUsers) UserByRef(ctx context.Context, ref string) (*entity.Entity, error) {
	r, err := entity.ParseRef(ref, entity.RefDefaults{Kind: "user"})
	if err != nil {
		return nil, nil // not a ref, so no entity has it
	}
	raw, err := c.q.EntityByRef(ctx, r)
	if problem.Is(err, problem.NotFoundError) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return decodeEntity(raw)
}

// FindUsers returns the entities whose search keys equal the values.
func (c catalogUsers) FindUsers(ctx context.Context, filter map[string]string, limit int) ([]*entity.Entity, error) {
	keys := make([]string, 0, len(filter))
	for k := range filter {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var preds []*catalog.Predicate
	for _, k := range keys {
		preds = append(preds, &catalog.Predicate{Op: catalog.OpField, Key: strings.ToLower(k),
			Match: catalog.FieldMatch{Kind: catalog.MatchEq, Values: []string{strings.ToLower(filter[k])}}})
	}
	res, err := c.q.QueryEntities(ctx, catalog.QueryRequest{Filter: catalog.AllOf(preds...), Limit: &limit, SkipTotal: true})
	if err != nil {
		return nil, err
	}
	out := make([]*entity.Entity, 0, len(res.Items))
	for _, raw := range res.Items {
		e, err := decodeEntity(raw)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// GroupParents returns the refs a group is a childOf.
func (c catalogUsers) GroupParents(ctx context.Context, groupRef string) ([]string, error) {
	e, err := c.UserByRef(ctx, groupRef)
	if err != nil || e == nil {
		return nil, err
	}
	var out []string
	for _, r := range e.Relations {
		if r.Type == entity.RelationChildOf {
			out = append(out, r.TargetRef)
		}
	}
	return out, nil
}

func decodeEntity(raw json.RawMessage) (*entity.Entity, error) {
	var e entity.Entity
	if err := json.Unmarshal(raw, &e); err != nil {
		return nil, fmt.Errorf("decode entity: %w", err)
	}
	return &e, nil
}

package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/auth"
	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/plugin"
)

// viewer is who reads a page, from the identity sign-in put in the
// request context.
type viewer struct {
	// Ref is the user entity ref of a user or the guest; "" for a service
	// or when there is no identity (sign-in turned off entirely).
	Ref string
	// Ownership are the refs the viewer owns through: themselves and
	// their groups.
	Ownership []string
	// CSRF is the token forms echo (csrf_token) when the viewer signed in
	// with a browser session.
	CSRF string
}

func viewerOf(r *http.Request) viewer {
	id, ok := auth.IdentityFrom(r.Context())
	if !ok || id.Kind == auth.KindService {
		return viewer{}
	}
	return viewer{Ref: strings.ToLower(id.UserEntityRef), Ownership: id.OwnershipEntityRefs, CSRF: id.CSRFToken}
}

// viewerRef is the viewer's user entity ref, "" when there is none.
func viewerRef(r *http.Request) string { return viewerOf(r).Ref }

// maxRefsPerRead caps the refs one plugin read may ask for.
const maxRefsPerRead = 500

// entityReader reads entities for cards, tabs and pages of other
// packages.
type entityReader struct{ cat CatalogReader }

var _ plugin.EntityReader = entityReader{}

func (e entityReader) EntitiesByRefs(ctx context.Context, refs []string) ([]*entity.Entity, error) {
	if len(refs) > maxRefsPerRead {
		return nil, fmt.Errorf("read %d entities: at most %d at once", len(refs), maxRefsPerRead)
	}
	if len(refs) == 0 {
		return nil, nil
	}
	items, err := e.cat.EntitiesByRefs(ctx, catalog.ByRefsRequest{Refs: refs})
	if err != nil {
		return nil, err
	}
	out := make([]*entity.Entity, len(items))
	for i, raw := range items {
		if raw == nil {
			continue
		}
		var ent entity.Entity
		if err := json.Unmarshal(raw, &ent); err != nil {
			return nil, fmt.Errorf("decode %s: %w", refs[i], err)
		}
		out[i] = &ent
	}
	return out, nil
}

// entityPath is the page of an entity ref ("kind:namespace/name", as in
// relations); a ref that does not parse links to the catalog.
func entityPath(ref string) string {
	r, err := entity.ParseRef(ref, entity.RefDefaults{})
	if err != nil {
		return "/catalog"
	}
	return refPath(r)
}

// refPath is the page of r: /catalog/{namespace}/{kind}/{name}, the kind
// lower-cased as Backstage writes it.
func refPath(r entity.Ref) string {
	ns := r.Namespace
	if ns == "" {
		ns = entity.DefaultNamespace
	}
	return "/catalog/" + url.PathEscape(ns) + "/" + url.PathEscape(strings.ToLower(r.Kind)) + "/" + url.PathEscape(r.Name)
}

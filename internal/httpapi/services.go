package httpapi

import (
	"context"
	"encoding/json"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/catalog"
)

// CatalogReader answers catalog reads; *catalog.Query implements it.
type CatalogReader interface {
	QueryEntities(ctx context.Context, req catalog.QueryRequest) (*catalog.QueryResult, error)
	ListEntities(ctx context.Context, req catalog.ListRequest) (*catalog.ListResult, error)
	StreamEntities(ctx context.Context, req catalog.ListRequest, emit func(json.RawMessage) error) error
	EntityByRef(ctx context.Context, ref entity.Ref) (json.RawMessage, error)
	EntityByUID(ctx context.Context, uid string) (json.RawMessage, error)
	EntitiesByRefs(ctx context.Context, req catalog.ByRefsRequest) ([]json.RawMessage, error)
	Facets(ctx context.Context, req catalog.FacetsRequest) (map[string][]catalog.FacetCount, error)
	Ancestry(ctx context.Context, ref entity.Ref) (*catalog.Ancestry, error)
	History(ctx context.Context, ref entity.Ref, req catalog.HistoryRequest) (*catalog.HistoryPage, error)
}

// CatalogWriter changes the catalog and manages registered locations;
// *catalog.Engine implements it.
type CatalogWriter interface {
	Refresh(ctx context.Context, entityRef string) error
	DeleteByUID(ctx context.Context, uid string) error
	CreateLocation(ctx context.Context, in catalog.LocationInput, opts catalog.CreateLocationOptions) (*catalog.CreateLocationResult, error)
	Locations(ctx context.Context) ([]catalog.Location, error)
	LocationsByQuery(ctx context.Context, q catalog.LocationQuery) (*catalog.LocationPage, error)
	Location(ctx context.Context, id string) (*catalog.Location, error)
	UpdateLocation(ctx context.Context, id string, in catalog.LocationInput) (*catalog.Location, error)
	DeleteLocation(ctx context.Context, id string) error
	LocationByEntity(ctx context.Context, ref entity.Ref) (*catalog.Location, error)
	ValidateEntity(ctx context.Context, data map[string]any, locationRef string) ([]entity.SerializedError, error)
}

// LocationAnalyzer suggests entities for a location; *catalog.Orchestrator
// implements it.
type LocationAnalyzer interface {
	Analyze(ctx context.Context, req catalog.AnalyzeRequest, registered func(catalog.LocationInput) bool) (*catalog.AnalyzeResult, error)
}

// The catalog's services are what the API serves.
var (
	_ CatalogReader    = (*catalog.Query)(nil)
	_ CatalogWriter    = (*catalog.Engine)(nil)
	_ LocationAnalyzer = (*catalog.Orchestrator)(nil)
)

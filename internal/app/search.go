package app

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/config"
	"github.com/callboard/callboard/internal/httpapi"
	"github.com/callboard/callboard/internal/permission"
	"github.com/callboard/callboard/internal/search"
	"github.com/callboard/callboard/internal/search/opensearch"
	"github.com/callboard/callboard/internal/search/postgres"
	"github.com/callboard/callboard/internal/search/sqlite"
	"github.com/callboard/callboard/internal/store"
)

// searchConfig is the search section. Backstage's keys where it has them
// (maxTermLength, maxPageLimit, collators.<name>.schedule and
// locationTemplate); synonyms and opensearch are Callboard's.
type searchConfig struct {
	MaxTermLength int        `config:"maxTermLength"`
	MaxPageLimit  int        `config:"maxPageLimit"`
	Synonyms      [][]string `config:"synonyms"`
	Collators     struct {
		Catalog   collatorConfig `config:"catalog"`
		Techdocs  collatorConfig `config:"techdocs"`
		Templates collatorConfig `config:"templates"`
	} `config:"collators"`
	// OpenSearch, when its url is set, holds the index instead of the
	// database.
	OpenSearch struct {
		URL         string `config:"url"`
		Username    string `config:"username"`
		Password    string `config:"password"`
		IndexPrefix string `config:"indexPrefix"`
	} `config:"opensearch"`
}

// collatorConfig is search.collators.<name>.
type collatorConfig struct {
	// Schedule is how often the collator's type is rebuilt in full.
	Schedule struct {
		Frequency time.Duration `config:"frequency"`
		Timeout   time.Duration `config:"timeout"`
	} `config:"schedule"`
	LocationTemplate string `config:"locationTemplate"`
}

// searchParts is search as built from configuration.
type searchParts struct {
	service *search.Service
	indexer *search.Indexer
	// published tells the indexer about docs sites the publisher wrote.
	published *sitesPublished
}

// loadSearchConfig decodes the search section.
func loadSearchConfig(cfg *config.Config) (searchConfig, error) {
	var sc searchConfig
	if err := cfg.Decode("search", &sc); err != nil {
		return sc, err
	}
	return sc, nil
}

// newSearch builds the engine (OpenSearch when configured, else the
// database's own), the collators over the catalog and the docs
// publisher, the indexer following the catalog's change feed and the
// service that applies the caller's catalog.entity.read decision.
//
// While the catalog's first load runs (firstLoad), the indexer's feed
// passes wait: the single writer and the cores go to the catalog.
func newSearch(cfg *config.Config, log *slog.Logger, db *store.DB, query *catalog.Query, firstLoad func() bool,
	docs *techdocsParts, authz pageAuthz, published *sitesPublished) (*searchParts, error) {
	sc, err := loadSearchConfig(cfg)
	if err != nil {
		return nil, err
	}
	synonyms, err := search.NewSynonyms(sc.Synonyms)
	if err != nil {
		return nil, err
	}
	engine, err := searchEngine(sc, log, db)
	if err != nil {
		return nil, err
	}
	cat := searchCatalog{query}
	var tc techdocsConfig
	if err := cfg.Decode("techdocs", &tc); err != nil {
		return nil, err
	}
	collators := []search.Collator{
		&search.CatalogCollator{Catalog: cat, LocationTemplate: sc.Collators.Catalog.LocationTemplate},
		&search.TechDocsCollator{Catalog: cat, Sites: searchSites{docs.service.Publisher()},
			LocationTemplate: sc.Collators.Techdocs.LocationTemplate, LegacyCasing: tc.LegacyUseCaseSensitiveTripletPaths},
		&search.TemplateCollator{Catalog: cat},
	}
	schedules := map[string]time.Duration{}
	for typ, c := range map[string]collatorConfig{
		search.TypeCatalog:  sc.Collators.Catalog,
		search.TypeTechDocs: sc.Collators.Techdocs,
		search.TypeTemplate: sc.Collators.Templates,
	} {
		if c.Schedule.Frequency > 0 {
			schedules[typ] = c.Schedule.Frequency
		}
	}
	timeout := max(sc.Collators.Catalog.Schedule.Timeout, sc.Collators.Techdocs.Schedule.Timeout, sc.Collators.Templates.Schedule.Timeout)
	indexer, err := search.NewIndexer(search.IndexerOptions{
		Engine:    engine,
		Collators: collators,
		Feed:      historyFeed{db},
		// SQLite's single writer commits history rows in id order.
		FeedInOrder:    db.Dialect == store.SQLite,
		Schedules:      schedules,
		RebuildTimeout: timeout,
		Hold:           firstLoad,
		Logger:         log.With("component", "search-indexer"),
	})
	if err != nil {
		return nil, err
	}
	service, err := search.NewService(search.ServiceOptions{
		Engine:        engine,
		Types:         indexer.Types(),
		Access:        searchAccess(authz),
		Synonyms:      synonyms,
		MaxTermLength: sc.MaxTermLength,
		MaxPageLimit:  sc.MaxPageLimit,
		Logger:        log.With("component", "search"),
	})
	if err != nil {
		return nil, err
	}
	published.set(indexer)
	return &searchParts{service: service, indexer: indexer, published: published}, nil
}

// searchEngine picks the engine: OpenSearch when search.opensearch.url is
// set, else the database's.
func searchEngine(sc searchConfig, log *slog.Logger, db *store.DB) (search.Engine, error) {
	log = log.With("component", "search-engine")
	if oc := sc.OpenSearch; oc.URL != "" {
		e, err := opensearch.New(opensearch.Options{URL: oc.URL, Username: oc.Username, Password: oc.Password, IndexPrefix: oc.IndexPrefix, Logger: log})
		if err != nil {
			return nil, fmt.Errorf("search.opensearch: %w", err)
		}
		return e, nil
	}
	if db.Dialect == store.Postgres {
		return postgres.New(db.DB, postgres.Options{Logger: log}), nil
	}
	return sqlite.New(db.DB, sqlite.Options{Logger: log}), nil
}

// searchAccess is what a caller may find: the catalog.entity.read
// decision of the policy, a denial recorded in the audit log, and for a
// conditional decision the catalog itself checking what the engine cannot
// express.
func searchAccess(authz pageAuthz) func(ctx context.Context) (search.Access, error) {
	return func(ctx context.Context) (search.Access, error) {
		d, err := authz.policy.DecideName(ctx, httpapi.UserOf(ctx), catalog.PermissionEntityRead, "")
		if err != nil {
			return search.Access{}, err
		}
		switch d.Result {
		case permission.Allow:
			return search.AccessAll, nil
		case permission.Conditional:
			if d.ResourceType != catalog.ResourceTypeEntity || d.Conditions == nil {
				return search.Access{}, fmt.Errorf("search: conditions for resource type %q cannot filter catalog entities", d.ResourceType)
			}
			raw, err := json.Marshal(d.Conditions)
			if err != nil {
				return search.Access{}, err
			}
			cond, err := search.ParseCriteria(raw)
			if err != nil {
				return search.Access{}, fmt.Errorf("search: conditions of rule %s: %w", d.Rule, err)
			}
			return search.Access{Cond: cond, Check: func(ctx context.Context, refs []string) (map[string]bool, error) {
				view, err := authz.query.RestrictConditions(raw)
				if err != nil {
					return nil, err
				}
				items, err := view.EntitiesByRefs(ctx, catalog.ByRefsRequest{Refs: refs, Fields: []string{"kind"}})
				if err != nil {
					return nil, err
				}
				ok := make(map[string]bool, len(refs))
				for i, it := range items {
					ok[refs[i]] = it != nil
				}
				return ok, nil
			}}, nil
		}
		authz.deny(ctx, catalog.PermissionEntityRead, "", d.Rule)
		return search.Access{Deny: true}, nil
	}
}

// startSearch runs the indexer until ctx ends; the function it returns
// waits for it to stop.
func (a *App) startSearch(ctx context.Context) (wait func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := a.search.indexer.Run(ctx); err != nil {
			a.log.Error("search indexer stopped", "error", err)
		}
	}()
	return func() { <-done }
}

// Search is the search service: Query for the search page and API,
// Suggest for the search box, both as the caller in ctx may see.
func (a *App) Search() *search.Service { return a.search.service }

// SearchReindex rebuilds the search index of the given types (every type
// when none is given) now, as callboard search reindex does.
func (a *App) SearchReindex(ctx context.Context, types ...string) ([]search.Rebuilt, error) {
	return a.search.indexer.Reindex(ctx, types...)
}

// SearchTypes lists the document types the index holds.
func (a *App) SearchTypes() []string { return a.search.indexer.Types() }

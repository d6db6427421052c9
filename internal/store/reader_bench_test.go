package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
)

// BenchmarkCatalogQueries measures the query side against a synthetic
// catalog written straight into the tables (100,000 entities by default;
// CALLBOARD_BENCH_ENTITIES changes it). Each sub-benchmark reports ns/op
// and its p50 and p99 latency; "throughput" runs by-query at concurrency 8
// and reports requests per second. Run with:
//
//	go test ./internal/store -run '^$' -bench CatalogQueries -benchtime 2000x
//
// CALLBOARD_BENCH_SQLITE=/path/to/file.db keeps the SQLite catalog for
// later runs.
func BenchmarkCatalogQueries(b *testing.B) {
	n := benchEntities(b)
	for _, d := range storetest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			db := benchDB(b, d)
			start := time.Now()
			refs := fillSynthetic(b, db, n)
			if d == store.Postgres {
				if _, err := db.Exec(`ANALYZE`); err != nil {
					b.Fatal(err)
				}
			}
			b.Logf("%s: wrote %d entities in %s", d, n, time.Since(start).Round(time.Millisecond))
			benchQueries(b, db, refs)
		})
	}
}

// benchDB opens a fresh database, or the one named by
// CALLBOARD_BENCH_SQLITE (a file) or CALLBOARD_BENCH_POSTGRES (a DSN),
// which keeps the synthetic catalog between runs (filling 100,000
// entities takes minutes).
// benchEntities returns the size of the synthetic catalog: 100,000
// entities unless CALLBOARD_BENCH_ENTITIES says otherwise.
func benchEntities(b *testing.B) int {
	s := os.Getenv("CALLBOARD_BENCH_ENTITIES")
	if s == "" {
		return 100000
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		b.Fatalf("CALLBOARD_BENCH_ENTITIES: %v", err)
	}
	return n
}

func benchDB(b *testing.B, d store.Dialect) *store.DB {
	keep := map[store.Dialect]string{
		store.SQLite:   os.Getenv("CALLBOARD_BENCH_SQLITE"),
		store.Postgres: os.Getenv("CALLBOARD_BENCH_POSTGRES"),
	}[d]
	if keep == "" {
		return storetest.Open(b, d)
	}
	db, err := store.Open(context.Background(), store.Options{Dialect: d, DSN: keep})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		b.Fatal(err)
	}
	return db
}

func benchQueries(b *testing.B, db *store.DB, refs []string) {
	ctx := context.Background()
	q := catalog.NewQuery(store.NewCatalogReader(db), catalog.QueryOptions{})
	components, _ := catalog.ParseFilterParams([]string{"kind=component"})
	uiFilter, _ := catalog.ParseFilterParams([]string{"kind=component,spec.lifecycle=production"})
	uiFields := []string{"metadata.name", "metadata.title", "spec.profile.displayname"}
	limit100, limit20 := 100, 20
	rng := rand.New(rand.NewPCG(1, 2))

	cases := []struct {
		name string
		op   func(i int) error
	}{
		{"by-query kind=component limit=100", func(int) error {
			_, err := q.QueryEntities(ctx, catalog.QueryRequest{Filter: components, Limit: &limit100})
			return err
		}},
		{"by-name", func(int) error {
			ref, err := entity.ParseRef(refs[rng.IntN(len(refs))], entity.RefDefaults{})
			if err != nil {
				return err
			}
			_, err = q.EntityByRef(ctx, ref)
			return err
		}},
		{"facets spec.type", func(int) error {
			_, err := q.Facets(ctx, catalog.FacetsRequest{Facets: []string{"spec.type"}})
			return err
		}},
		{"full-text on metadata.name, sorted by name", func(i int) error {
			term := searchTerms[i%len(searchTerms)]
			_, err := q.QueryEntities(ctx, catalog.QueryRequest{
				FullText: &catalog.FullTextFilter{Term: term, Fields: []string{"metadata.name"}},
				Order:    &catalog.Order{Field: "metadata.name"}, Limit: &limit20,
			})
			return err
		}},
		{"full-text on metadata.name, unsorted", func(i int) error {
			term := searchTerms[i%len(searchTerms)]
			_, err := q.QueryEntities(ctx, catalog.QueryRequest{
				FullText: &catalog.FullTextFilter{Term: term, Fields: []string{"metadata.name"}}, Limit: &limit20,
			})
			return err
		}},
		{"full-text UI fields", func(i int) error {
			term := searchTerms[i%len(searchTerms)]
			_, err := q.QueryEntities(ctx, catalog.QueryRequest{
				Filter:   components,
				FullText: &catalog.FullTextFilter{Term: term, Fields: uiFields},
				Order:    &catalog.Order{Field: "metadata.name"}, Limit: &limit20,
			})
			return err
		}},
		{"full-text UI fields, cold (empty cache)", func(i int) error {
			// A fresh Query counts everything again: the first request
			// for a term after the catalog changed.
			cold := catalog.NewQuery(store.NewCatalogReader(db), catalog.QueryOptions{})
			_, err := cold.QueryEntities(ctx, catalog.QueryRequest{
				Filter:   components,
				FullText: &catalog.FullTextFilter{Term: searchTerms[i%len(searchTerms)], Fields: uiFields},
				Order:    &catalog.Order{Field: "metadata.name"}, Limit: &limit20,
			})
			return err
		}},
		{"facets spec.type, cold (empty cache)", func(int) error {
			cold := catalog.NewQuery(store.NewCatalogReader(db), catalog.QueryOptions{})
			_, err := cold.Facets(ctx, catalog.FacetsRequest{Facets: []string{"spec.type"}})
			return err
		}},
		{"by-query kind=component limit=100, cold (empty cache)", func(int) error {
			cold := catalog.NewQuery(store.NewCatalogReader(db), catalog.QueryOptions{})
			_, err := cold.QueryEntities(ctx, catalog.QueryRequest{Filter: components, Limit: &limit100})
			return err
		}},
		{"UI table page 1, cold (empty cache)", func(int) error {
			cold := catalog.NewQuery(store.NewCatalogReader(db), catalog.QueryOptions{})
			_, err := cold.QueryEntities(ctx, catalog.QueryRequest{Filter: uiFilter, Order: &catalog.Order{Field: "metadata.name"}, Limit: &limit20})
			return err
		}},
		{"UI table page 1", func(int) error {
			_, err := q.QueryEntities(ctx, catalog.QueryRequest{Filter: uiFilter, Order: &catalog.Order{Field: "metadata.name"}, Limit: &limit20})
			return err
		}},
		{"UI table page 2 by cursor", func() func(int) error {
			first, err := q.QueryEntities(ctx, catalog.QueryRequest{Filter: uiFilter, Order: &catalog.Order{Field: "metadata.name"}, Limit: &limit20})
			if err != nil {
				b.Fatal(err)
			}
			return func(int) error {
				_, err := q.QueryEntities(ctx, catalog.QueryRequest{Cursor: first.NextCursor, Limit: &limit20})
				return err
			}
		}()},
		{"by-refs 20", func(int) error {
			batch := make([]string, 20)
			for j := range batch {
				batch[j] = refs[rng.IntN(len(refs))]
			}
			_, err := q.EntitiesByRefs(ctx, catalog.ByRefsRequest{Refs: batch})
			return err
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			cpu := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := range b.N {
				t0, c0 := time.Now(), cpuTime()
				if err := c.op(i); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
				cpu = append(cpu, cpuTime()-c0)
			}
			b.StopTimer()
			reportLatency(b, lat)
			// CPU time per op does not grow when other processes load the
			// machine, unlike the wall-clock figures.
			reportPercentiles(b, cpu, "cpu-")
		})
	}
	b.Run("throughput by-query limit=100 concurrency 8", func(b *testing.B) {
		var mu sync.Mutex
		var lat []time.Duration
		b.SetParallelism(max(1, 8/runtime.GOMAXPROCS(0)))
		start := time.Now()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			var mine []time.Duration
			for pb.Next() {
				t0 := time.Now()
				if _, err := q.QueryEntities(ctx, catalog.QueryRequest{Filter: components, Limit: &limit100}); err != nil {
					b.Error(err)
					return
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
		b.StopTimer()
		b.ReportMetric(float64(len(lat))/time.Since(start).Seconds(), "req/s")
		reportLatency(b, lat)
	})
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportLatency reports the p50 and p99 latency.
func reportLatency(b *testing.B, lat []time.Duration) { reportPercentiles(b, lat, "") }

// reportPercentiles reports the p50 and p99 of durations, named with prefix.
func reportPercentiles(b *testing.B, lat []time.Duration, prefix string) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(float64(len(lat))*p))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), prefix+"p50-ms")
	b.ReportMetric(pct(0.99), prefix+"p99-ms")
}

// Synthetic catalog vocabulary.
var (
	words = []string{"payments", "checkout", "search", "catalog", "identity", "billing", "orders", "inventory",
		"shipping", "pricing", "reviews", "recommendations", "notifications", "analytics", "gateway", "profile",
		"ledger", "fraud", "loyalty", "media", "streaming", "auth", "session", "cart", "wishlist", "returns",
		"tax", "invoices", "reporting", "metrics", "alerts", "scheduler"}
	suffixes    = []string{"service", "api", "worker", "web", "ui", "lib", "job", "adapter", "proxy", "store"}
	tags        = []string{"java", "go", "python", "typescript", "kotlin", "rust", "grpc", "rest", "kafka", "postgres", "redis", "react", "spring", "node", "terraform", "aws", "gcp", "internal", "public", "pci"}
	lifecycles  = []string{"production", "production", "production", "experimental", "experimental", "deprecated"}
	searchTerms = []string{"pay", "checkout", "ship", "ledger-w", "fraud-api", "notif", "invent", "streaming-ui-1",
		"wish", "tax-", "reporting-job-3", "gateway-proxy", "loyal", "session-s", "alerts-lib-42"}
)

// fillSynthetic writes n entities shaped like a real organisation's
// catalog (mostly components; APIs, users, groups, systems, resources) and
// returns their refs.
func fillSynthetic(b *testing.B, db *store.DB, n int) []string {
	var have int
	if err := db.QueryRow(`SELECT count(*) FROM final_entities`).Scan(&have); err != nil {
		b.Fatal(err)
	}
	if have > 0 {
		// A kept database: read its refs instead of writing again.
		rows, err := db.Query(`SELECT entity_ref FROM final_entities ORDER BY id`)
		if err != nil {
			b.Fatal(err)
		}
		defer rows.Close()
		var refs []string
		for rows.Next() {
			var ref string
			if err := rows.Scan(&ref); err != nil {
				b.Fatal(err)
			}
			refs = append(refs, ref)
		}
		if err := rows.Err(); err != nil {
			b.Fatal(err)
		}
		return refs
	}
	rng := rand.New(rand.NewPCG(7, 11))
	groups := max(1, n/50)
	systems := max(1, n/100)
	pick := func(s []string) string { return s[rng.IntN(len(s))] }
	w := newWriter(b, db, 1)
	refs := make([]string, 0, n)
	for i := range n {
		var e map[string]any
		name := fmt.Sprintf("%s-%s-%d", pick(words), pick(suffixes), i)
		group := fmt.Sprintf("group:default/team-%d", rng.IntN(groups))
		system := fmt.Sprintf("system:default/system-%d", rng.IntN(systems))
		repo := "https://github.com/acme/" + name
		annotations := map[string]any{
			"backstage.io/managed-by-location":        "url:" + repo + "/blob/main/catalog-info.yaml",
			"backstage.io/managed-by-origin-location": "url:https://github.com/acme/catalog/blob/main/all.yaml",
			"github.com/project-slug":                 "acme/" + name,
		}
		if rng.IntN(3) == 0 {
			annotations["backstage.io/techdocs-ref"] = "dir:."
		}
		var tagList []any
		for range 1 + rng.IntN(3) {
			tagList = append(tagList, pick(tags))
		}
		switch r := i % 100; {
		case r < 60:
			typ := []string{"service", "service", "website", "library"}[rng.IntN(4)]
			e = ent("Component", name, map[string]any{
				"type": typ, "lifecycle": pick(lifecycles), "owner": group, "system": system,
				"providesApis": []any{name + "-api"},
			},
				withMeta("description", "The "+name+" component of the "+pick(words)+" platform."),
				withMeta("annotations", annotations), withMeta("tags", tagList),
				withMeta("links", []any{map[string]any{"url": repo, "title": "Repository"}}),
				withRelation("ownedBy", group), withRelation("partOf", system),
				withRelation("providesApi", "api:default/"+name+"-api"),
				withRelation("dependsOn", fmt.Sprintf("component:default/%s-%s-%d", pick(words), pick(suffixes), rng.IntN(n))))
			if rng.IntN(2) == 0 {
				e["metadata"].(map[string]any)["title"] = fmt.Sprintf("%s %s", pick(words), pick(suffixes))
			}
		case r < 70:
			e = ent("API", name, map[string]any{"type": []string{"openapi", "grpc", "asyncapi"}[rng.IntN(3)],
				"lifecycle": pick(lifecycles), "owner": group, "system": system, "definition": "openapi: 3.0.0\ninfo:\n  title: " + name},
				withMeta("annotations", annotations), withMeta("tags", tagList),
				withRelation("ownedBy", group), withRelation("partOf", system))
		case r < 85:
			user := fmt.Sprintf("user-%d", i)
			e = ent("User", user, map[string]any{
				"profile":  map[string]any{"displayName": fmt.Sprintf("%s %s", pick(words), pick(suffixes)), "email": user + "@acme.example"},
				"memberOf": []any{group},
			}, withRelation("memberOf", group))
		case r < 88:
			e = ent("Group", fmt.Sprintf("team-%d", i), map[string]any{"type": "team", "children": []any{}, "profile": map[string]any{"displayName": "Team " + pick(words)}},
				withRelation("childOf", "group:default/engineering"))
		case r < 90:
			e = ent("System", fmt.Sprintf("system-%d", i), map[string]any{"owner": group}, withRelation("ownedBy", group))
		case r < 97:
			e = ent("Resource", name, map[string]any{"type": []string{"database", "s3-bucket", "queue"}[rng.IntN(3)], "owner": group, "system": system},
				withRelation("ownedBy", group), withRelation("partOf", system))
		default:
			e = ent("Location", fmt.Sprintf("generated-%040x", i), map[string]any{"type": "url", "target": repo + "/blob/main/catalog-info.yaml"})
		}
		refs = append(refs, w.add(e).Ref)
	}
	w.done()
	return refs
}

//go:build unix

package graph

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
	"github.com/callboard/callboard/plugin"
)

// The benchmark reads a catalog of 100,000 entities in SQLite through the
// real query service: 500 organisations of 200 entities each, every one
// reachable from its domain, so the graph of a domain with unlimited
// depth is a 200-node graph of about 750 relations.

const (
	benchEntities = 100_000
	clusterSize   = 200
)

// clusterEntities builds organisation c: a domain, 4 systems, a group
// with 8 users, 110 components, 50 APIs and 26 resources, with both
// directions of every relation, as stitching stores them.
func clusterEntities(c int) []*entity.Entity {
	rng := rand.New(rand.NewPCG(uint64(c), 7))
	var ents []*entity.Entity
	byRef := map[string]*entity.Entity{}
	add := func(kind, name string) string {
		e := &entity.Entity{APIVersion: "backstage.io/v1alpha1", Kind: kind,
			Metadata: entity.Metadata{Name: fmt.Sprintf("%s-%d", name, c), Namespace: entity.DefaultNamespace,
				UID: fmt.Sprintf("00000000-0000-4000-8000-%012d", c*clusterSize+len(ents))}}
		ents = append(ents, e)
		ref := e.Ref().String()
		byRef[ref] = e
		return ref
	}
	relate := func(from, typ, to string) {
		byRef[from].Relations = append(byRef[from].Relations, entity.Relation{Type: typ, TargetRef: to})
		byRef[to].Relations = append(byRef[to].Relations, entity.Relation{Type: entity.ReverseRelation[typ], TargetRef: from})
	}
	domain := add("Domain", "domain")
	group := add("Group", "team")
	relate(domain, entity.RelationOwnedBy, group)
	var systems, components, apis, resources []string
	for i := range 4 {
		s := add("System", "system"+strconv.Itoa(i))
		relate(s, entity.RelationPartOf, domain)
		relate(s, entity.RelationOwnedBy, group)
		systems = append(systems, s)
	}
	for i := range 8 {
		relate(add("User", "user"+strconv.Itoa(i)), entity.RelationMemberOf, group)
	}
	for i := range 110 {
		comp := add("Component", "service"+strconv.Itoa(i))
		relate(comp, entity.RelationPartOf, systems[i%len(systems)])
		relate(comp, entity.RelationOwnedBy, group)
		components = append(components, comp)
	}
	for i := range 50 {
		api := add("API", "api"+strconv.Itoa(i))
		relate(components[i], entity.RelationProvidesAPI, api)
		relate(api, entity.RelationPartOf, systems[i%len(systems)])
		apis = append(apis, api)
	}
	for i := range 26 {
		res := add("Resource", "db"+strconv.Itoa(i))
		relate(res, entity.RelationOwnedBy, group)
		resources = append(resources, res)
	}
	for i, comp := range components {
		relate(comp, entity.RelationConsumesAPI, apis[rng.IntN(len(apis))])
		if i > 0 {
			relate(comp, entity.RelationDependsOn, components[rng.IntN(i)])
		}
		if i%4 == 0 && i/4 < len(resources) {
			relate(comp, entity.RelationDependsOn, resources[i/4])
		}
	}
	for _, e := range ents {
		slices.SortFunc(e.Relations, func(a, b entity.Relation) int {
			return strings.Compare(a.Type+" "+a.TargetRef, b.Type+" "+b.TargetRef)
		})
	}
	return ents
}

// writeBenchCatalog fills final_entities; the graph reads nothing else.
func writeBenchCatalog(b *testing.B, db *store.DB) {
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	const perStatement = 200
	var (
		sqlText strings.Builder
		args    []any
	)
	flush := func() {
		if len(args) == 0 {
			return
		}
		if _, err := tx.ExecContext(ctx, sqlText.String(), args...); err != nil {
			b.Fatal(err)
		}
		sqlText.Reset()
		args = args[:0]
	}
	id := 0
	for c := range benchEntities / clusterSize {
		for _, e := range clusterEntities(c) {
			id++
			body, err := json.Marshal(e)
			if err != nil {
				b.Fatal(err)
			}
			if len(args) == 0 {
				sqlText.WriteString(`INSERT INTO final_entities (id, entity_id, entity_ref, final_entity, hash, last_updated_at) VALUES `)
			} else {
				sqlText.WriteString(", ")
			}
			sqlText.WriteString("(" + placeholders(db.Dialect, len(args), 6) + ")")
			args = append(args, id, e.Metadata.UID, e.Ref().String(), string(body), "h", int64(0))
			if len(args) >= perStatement*6 {
				flush()
			}
		}
	}
	flush()
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

func placeholders(d store.Dialect, from, n int) string {
	p := make([]string, n)
	for i := range p {
		if d == store.SQLite {
			p[i] = "?"
		} else {
			p[i] = "$" + strconv.Itoa(from+i+1)
		}
	}
	return strings.Join(p, ", ")
}

// processCPU is the CPU time this process has used.
func processCPU() time.Duration { return rusageCPU(syscall.RUSAGE_SELF) }

func rusageCPU(who int) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// workerCPU adds up the CPU time of a renderer's workers: of each one
// reaped, as wait reported it; of each one running, summed over its
// threads from /proc (Linux), and never less than the last reading,
// since an exited process not yet reaped shows less.
type workerCPU struct {
	r    *Renderer
	mu   sync.Mutex
	seen map[*worker]time.Duration
}

func (m *workerCPU) total() time.Duration {
	if m.r.workers == nil {
		return 0
	}
	m.r.workers.mu.Lock()
	for w := range m.r.workers.live {
		if _, ok := m.seen[w]; !ok {
			m.seen[w] = 0
		}
	}
	m.r.workers.mu.Unlock()
	var total time.Duration
	for w, last := range m.seen {
		d := last
		if w.hasExited() {
			d = w.cmd.ProcessState.UserTime() + w.cmd.ProcessState.SystemTime()
		} else {
			d = max(d, threadsCPU(w.cmd.Process.Pid))
		}
		m.seen[w] = d
		total += d
	}
	return total
}

// threadsCPU is the CPU time of a process's threads, from /proc.
func threadsCPU(pid int) time.Duration {
	var total time.Duration
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	for _, task := range tasks {
		b, err := os.ReadFile(task)
		if err != nil {
			continue
		}
		if f := strings.Fields(string(b)); len(f) > 0 {
			if ns, err := strconv.ParseInt(f[0], 10, 64); err == nil {
				total += time.Duration(ns)
			}
		}
	}
	return total
}

// peakRSS is the largest resident set a process has had, from /proc
// (Linux; zero elsewhere).
func peakRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// cachedBytes is the size of r's cached drawings.
func cachedBytes(r *Renderer) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.bytes
}

// heapInUse is the live heap after a collection.
func heapInUse() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// queryReader reads entities through the catalog's query service, as the
// portal's pages do.
type queryReader struct{ q *catalog.Query }

func (r queryReader) EntitiesByRefs(ctx context.Context, refs []string) ([]*entity.Entity, error) {
	items, err := r.q.EntitiesByRefs(ctx, catalog.ByRefsRequest{Refs: refs})
	if err != nil {
		return nil, err
	}
	out := make([]*entity.Entity, len(items))
	for i, raw := range items {
		if raw == nil {
			continue
		}
		var e entity.Entity
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, err
		}
		out[i] = &e
	}
	return out, nil
}

var (
	benchInProcess = flag.Bool("graphviz-inprocess", false, "BenchmarkGraphTab lays out in the test process, not in worker processes")
	benchWorkers   = flag.Int("graphviz-workers", 1, "BenchmarkGraphTab's worker processes")
	benchRecycle   = flag.Int64("graphviz-recycle", 0, "BenchmarkGraphTab's worker recycling threshold in bytes (0: DefaultRecycleBytes)")
)

// BenchmarkGraphTab renders the graph tab of a domain whose whole
// organisation, 200 entities, is drawn: reading the entities level by
// level from SQLite, laying out with Graphviz and writing the HTML. It
// lays out in worker processes, as callboard serve does (the test binary
// is the worker), after one drawing that starts the first. "cold" draws
// every organisation once (no cached drawing); "cold-x2" does so from two
// goroutines at once; "cached" draws one again. Each reports wall time
// and CPU time (this process and its workers) as p50 and p99 in
// milliseconds, this process's CPU p99, what the drawings left in this
// process's heap, and the workers' peak resident set.
//
//	go test ./internal/web/graph -run '^$' -bench GraphTab -benchtime 200x [-graphviz-workers 2] [-graphviz-inprocess]
func BenchmarkGraphTab(b *testing.B) {
	db := storetest.Open(b, store.SQLite)
	start := time.Now()
	writeBenchCatalog(b, db)
	b.Logf("wrote %d entities in %v", benchEntities, time.Since(start).Round(time.Millisecond))
	reader := store.NewCatalogReader(db)
	defer reader.Close()
	cat := queryReader{catalog.NewQuery(reader, catalog.QueryOptions{})}
	r := NewRenderer(0)
	if !*benchInProcess {
		r = NewRendererWith(testWorker(RendererOptions{Workers: *benchWorkers, RecycleBytes: *benchRecycle}))
	}
	defer r.Close()
	s := New(r, nil)
	view := func(c int) *plugin.EntityView {
		ref := entity.Ref{Kind: "domain", Namespace: entity.DefaultNamespace, Name: fmt.Sprintf("domain-%d", c)}
		return &plugin.EntityView{
			Entity:  &entity.Entity{Kind: "Domain", Metadata: entity.Metadata{Name: ref.Name}},
			Ref:     ref,
			Path:    testLink(ref.String()),
			Query:   url.Values{paramMaxDepth: {"∞"}},
			Catalog: cat,
			Link:    testLink,
		}
	}
	// The graph is the whole organisation.
	g, err := Build(context.Background(), cat, ParseParams(url.Values{paramRoots: {"domain:default/domain-0"}, paramMaxDepth: {"∞"}}))
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("graph: %d nodes, %d edges, truncated %v", len(g.Nodes), len(g.Edges), g.Truncated)
	if len(g.Nodes) != clusterSize || g.Truncated {
		b.Fatalf("graph has %d nodes (truncated %v), want %d", len(g.Nodes), g.Truncated, clusterSize)
	}
	// A process draws once before it is measured: a server pays for
	// starting Graphviz (and its first worker) on its first drawing only.
	if _, err := s.Tab().Render(context.Background(), view(0)); err != nil {
		b.Fatal(err)
	}

	const clusters = benchEntities/clusterSize - 1
	run := func(b *testing.B, par int, cluster func(i int) int) {
		var (
			mu            sync.Mutex
			lat, cpu, own []time.Duration
			peak          int64
			pids          = map[int]bool{}
		)
		workers := &workerCPU{r: r, seen: map[*worker]time.Duration{}}
		cpuNow := func() (all, self time.Duration) {
			workers.mu.Lock()
			defer workers.mu.Unlock()
			self = processCPU()
			return self + workers.total(), self
		}
		heap0, cache0 := heapInUse(), cachedBytes(r)
		var next atomic.Int64
		b.ResetTimer()
		var wg sync.WaitGroup
		for range par {
			wg.Go(func() {
				for {
					i := int(next.Add(1)) - 1
					if i >= b.N {
						return
					}
					t0 := time.Now()
					c0, s0 := cpuNow()
					if _, err := s.Tab().Render(context.Background(), view(cluster(i))); err != nil {
						b.Error(err)
						return
					}
					d := time.Since(t0)
					c1, s1 := cpuNow()
					mu.Lock()
					lat, cpu, own = append(lat, d), append(cpu, c1-c0), append(own, s1-s0)
					for _, pid := range livePIDs(r) {
						pids[pid] = true
						peak = max(peak, peakRSS(pid))
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		b.StopTimer()
		if len(lat) == 0 {
			return
		}
		// What the drawings left behind besides the cache: in this
		// process, go-graphviz keeps every layout's DOT and output in its
		// WebAssembly memory.
		kept := heapInUse() - heap0 - int64(cachedBytes(r)-cache0)
		b.ReportMetric(float64(kept)/float64(len(lat))/1024, "kept-KiB/op")
		pct := func(d []time.Duration, p float64) float64 {
			slices.Sort(d)
			return float64(d[min(len(d)-1, int(float64(len(d))*p))]) / float64(time.Millisecond)
		}
		b.ReportMetric(pct(lat, 0.50), "p50-ms")
		b.ReportMetric(pct(lat, 0.99), "p99-ms")
		// CPU time is what a render costs whatever else the machine is
		// doing; wall time on a busy machine is mostly waiting. With two
		// at once, each one's CPU would include the other's.
		if par == 1 {
			b.ReportMetric(pct(cpu, 0.50), "cpu-p50-ms")
			b.ReportMetric(pct(cpu, 0.99), "cpu-p99-ms")
			b.ReportMetric(pct(own, 0.99), "self-cpu-p99-ms")
		}
		if !*benchInProcess {
			b.ReportMetric(float64(peak)/(1<<20), "worker-peak-MiB")
			b.ReportMetric(float64(len(pids)), "workers")
		}
	}
	b.Run("cold", func(b *testing.B) {
		run(b, 1, func(i int) int { return 1 + i%clusters })
	})
	b.Run("cold-x2", func(b *testing.B) {
		// Organisations the first pass did not draw, while b.N is at
		// most half of them.
		run(b, 2, func(i int) int { return 1 + (clusters/2+i)%clusters })
	})
	b.Run("cached", func(b *testing.B) {
		run(b, 1, func(int) int { return 1 })
	})
}

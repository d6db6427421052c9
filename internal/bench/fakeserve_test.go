package bench

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The driver is tested against this test binary acting as a stand-in for
// `callboard serve`: when EnvFakeServe is set, TestMain runs fakeServe
// instead of the tests. It reads the config the driver wrote, "ingests"
// the generated files by counting their documents, keeps the few tables
// the driver probes in the SQLite file, and answers the measured requests.
const envFakeServe = "CALLBOARD_BENCH_FAKE_SERVE"

// Behaviours of the fake, selected through the environment.
const (
	envFakeWrites     = "CALLBOARD_BENCH_FAKE_WRITES"      // bump the generation on every start
	envFakeBadFacets  = "CALLBOARD_BENCH_FAKE_BAD_FACETS"  // answer facets with nothing
	envFakeNeverReady = "CALLBOARD_BENCH_FAKE_NEVER_READY" // never serve every entity
)

var (
	configPort  = regexp.MustCompile(`(?m)^    port: (\d+)$`)
	configDB    = regexp.MustCompile(`(?m)^      filename: (.+)$`)
	configRoot  = regexp.MustCompile(`(?m)^      target: (.+)$`)
	configToken = regexp.MustCompile(`(?m)^          token: (\S+)$`)
)

const fakeSchema = `
CREATE TABLE IF NOT EXISTS refresh_state (id INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS refresh_schedule (id INTEGER PRIMARY KEY, next_update_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS stitch_queue (entity_ref TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS final_entities (id INTEGER PRIMARY KEY, last_updated_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS search (id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS relations (originating_id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS entity_history (id INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS catalog_state (id INTEGER PRIMARY KEY, generation INTEGER NOT NULL);
INSERT OR IGNORE INTO catalog_state (id, generation) VALUES (1, 0);
`

func fakeServe(args []string) error {
	if len(args) != 3 || args[0] != "serve" || args[1] != "--config" {
		return fmt.Errorf("fake serve: unexpected arguments %q", args)
	}
	cfg, err := os.ReadFile(args[2])
	if err != nil {
		return err
	}
	port, dbPath, root, token := configPort.FindSubmatch(cfg), configDB.FindSubmatch(cfg), configRoot.FindSubmatch(cfg), configToken.FindSubmatch(cfg)
	if port == nil || dbPath == nil || root == nil || token == nil {
		return fmt.Errorf("fake serve: config lacks port, database, root or token:\n%s", cfg)
	}
	if p := os.Getenv("CALLBOARD_CPUPROFILE"); p != "" {
		if err := os.WriteFile(p, []byte("profile"), 0o644); err != nil {
			return err
		}
	}
	counts, err := countKinds(string(root[1]))
	if err != nil {
		return err
	}
	total := 1 // the config Location
	for _, c := range counts {
		total += c
	}
	db, err := sql.Open("sqlite", "file:"+string(dbPath[1])+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)")
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Exec(fakeSchema); err != nil {
		return err
	}
	if os.Getenv(envFakeWrites) != "" {
		db.Exec("UPDATE catalog_state SET generation = generation + 1")
	}
	var rows int
	db.QueryRow("SELECT COUNT(*) FROM final_entities").Scan(&rows)
	far := time.Now().Add(24 * time.Hour).UnixMilli()
	if rows == 0 {
		if _, err := db.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < $1)
			INSERT INTO refresh_schedule (id, next_update_at) SELECT i, $2 FROM n`, total, far); err != nil {
			return err
		}
		db.Exec("INSERT INTO refresh_state (id) SELECT id FROM refresh_schedule")
		db.Exec("INSERT INTO final_entities (id, last_updated_at) SELECT id, 1 FROM refresh_state")
		db.Exec("UPDATE catalog_state SET generation = generation + 1")
	}
	// "Process" whatever is due: claim it and write nothing else.
	db.Exec("UPDATE refresh_schedule SET next_update_at = $1 WHERE next_update_at <= $2", far, time.Now().UnixMilli())

	start := time.Now()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.backstage/health/v1/readiness", func(w http.ResponseWriter, r *http.Request) {
		if time.Since(start) < 20*time.Millisecond {
			http.Error(w, "starting", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, `{"status":"ok"}`)
	})
	mux.HandleFunc("GET /api/catalog/entities/by-query", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		switch {
		case q.Get("limit") == "0":
			n := total
			if time.Since(start) < 150*time.Millisecond || os.Getenv(envFakeNeverReady) != "" {
				n = total / 2
			}
			writeJSON(w, map[string]any{"items": []any{}, "totalItems": n})
		case q.Get("fullTextFilterTerm") != "":
			writeJSON(w, page([]string{"amber-" + q.Get("fullTextFilterTerm") + "-1"}, 1))
		case q.Get("orderField") != "":
			writeJSON(w, page([]string{"Amber-a", "amber-b", "cobalt-c"}, 3))
		default:
			names := make([]string, min(100, counts["Component"]))
			for i := range names {
				names[i] = "c-" + strconv.Itoa(i)
			}
			writeJSON(w, page(names, counts["Component"]))
		}
	})
	mux.HandleFunc("GET /api/catalog/entities/by-name/{kind}/{ns}/{name}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"kind": r.PathValue("kind"), "metadata": map[string]any{"name": r.PathValue("name")}})
	})
	mux.HandleFunc("GET /api/catalog/entity-facets", func(w http.ResponseWriter, r *http.Request) {
		buckets := []map[string]any{{"value": "service", "count": total}}
		if os.Getenv(envFakeBadFacets) != "" {
			buckets = nil
		}
		writeJSON(w, map[string]any{"facets": map[string]any{r.URL.Query().Get("facet"): buckets}})
	})
	mux.HandleFunc("POST /api/catalog/entities/by-refs", func(w http.ResponseWriter, r *http.Request) {
		var body struct{ EntityRefs []string }
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		items := make([]any, len(body.EntityRefs))
		for i, ref := range body.EntityRefs {
			items[i] = map[string]any{"metadata": map[string]any{"name": ref}}
		}
		writeJSON(w, map[string]any{"items": items})
	})
	// Like Callboard, everything but health needs the token.
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/.backstage/health/") && r.Header.Get("Authorization") != "Bearer "+string(token[1]) {
			http.Error(w, "Missing credentials", http.StatusUnauthorized)
			return
		}
		mux.ServeHTTP(w, r)
	})
	srv := &http.Server{Addr: "127.0.0.1:" + string(port[1]), Handler: handler}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		return err
	}
	return nil
}

func page(names []string, total int) map[string]any {
	items := make([]any, len(names))
	for i, n := range names {
		items[i] = map[string]any{"metadata": map[string]any{"name": n}}
	}
	return map[string]any{"items": items, "totalItems": total, "pageInfo": map[string]any{}}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// countKinds counts the documents per kind in the files the root Location
// lists, and the root itself.
func countKinds(root string) (map[string]int, error) {
	data, err := os.ReadFile(root)
	if err != nil {
		return nil, err
	}
	counts := map[string]int{"Location": 1}
	dir := filepath.Dir(root)
	var files []string
	for line := range strings.SplitSeq(string(data), "\n") {
		if t, ok := strings.CutPrefix(strings.TrimSpace(line), "- ./"); ok {
			files = append(files, t)
		}
	}
	sort.Strings(files)
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			return nil, err
		}
		for line := range strings.SplitSeq(string(b), "\n") {
			if k, ok := strings.CutPrefix(line, "kind: "); ok {
				counts[k]++
			}
		}
	}
	return counts, nil
}

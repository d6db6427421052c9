package store_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/callboard/callboard/internal/store"
)

// The query side reads tables the engine writes; these fixtures write them
// directly, following the schema comments: one final_entities row per
// entity and its search rows per Backstage's buildEntitySearch (§a.9).

type searchRow struct {
	key      string
	value    *string
	original *string
}

// searchRows flattens an entity the way the stitcher does.
func searchRows(e map[string]any) []searchRow {
	type kv struct {
		key   string
		value *string
	}
	var raw []kv
	add := func(key string, v *string) { raw = append(raw, kv{key, v}) }
	var visit func(path string, v any)
	visit = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, child := range x {
				p := k
				if path != "" {
					p = path + "." + k
				}
				switch p {
				case "attachments", "relations", "status", "metadata.name", "metadata.namespace", "metadata.uid", "metadata.etag":
					continue
				}
				visit(p, child)
			}
		case []any:
			seen := map[string]bool{}
			for _, item := range x {
				visit(path, item)
				if s, ok := item.(string); ok && !seen[strings.ToLower(s)] {
					seen[strings.ToLower(s)] = true
					t := "true"
					add(path+"."+s, &t)
				}
			}
		case nil:
			add(path, nil)
		case string:
			add(path, &x)
		case bool:
			s := strconv.FormatBool(x)
			add(path, &s)
		case float64:
			s := strconv.FormatFloat(x, 'f', -1, 64)
			add(path, &s)
		case int:
			s := strconv.Itoa(x)
			add(path, &s)
		default:
			panic(fmt.Sprintf("fixture: unexpected %T", v))
		}
	}
	visit("", e)
	md := e["metadata"].(map[string]any)
	str := func(v any) *string {
		s, _ := v.(string)
		return &s
	}
	add("metadata.name", str(md["name"]))
	ns := "default"
	if s, ok := md["namespace"].(string); ok {
		ns = s
	}
	add("metadata.namespace", &ns)
	add("metadata.uid", str(md["uid"]))
	if rels, ok := e["relations"].([]any); ok {
		for _, r := range rels {
			rm := r.(map[string]any)
			add("relations."+strings.ToLower(rm["type"].(string)), str(rm["targetRef"]))
		}
	}
	var out []searchRow
	seen := map[string]bool{}
	for _, r := range raw {
		key := strings.ToLower(r.key)
		if len(key) > 200 {
			continue
		}
		row := searchRow{key: key}
		if r.value != nil && len(*r.value) <= 200 {
			lower := strings.ToLower(*r.value)
			row.value = &lower
			if lower != *r.value {
				orig := *r.value
				row.original = &orig
			}
		}
		dedupe := key + "\x00"
		if row.value != nil {
			dedupe += *row.value
		} else {
			dedupe += "\x01null"
		}
		if seen[dedupe] {
			continue
		}
		seen[dedupe] = true
		out = append(out, row)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out
}

// stored is an entity written by the fixtures.
type stored struct {
	ID   int64
	Ref  string
	UID  string
	JSON string
}

// writer inserts final entities and search rows with multi-row statements.
type writer struct {
	t      testing.TB
	db     *store.DB
	tx     *store.Tx
	nextID int64
	ents   [][]any
	search [][]any
}

func newWriter(t testing.TB, db *store.DB, firstID int64) *writer {
	t.Helper()
	var tx *store.Tx
	sqlTx, err := db.BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	tx = &store.Tx{Tx: sqlTx, Dialect: db.Dialect}
	return &writer{t: t, db: db, tx: tx, nextID: firstID}
}

// add writes one entity (uid set from the id when missing) and returns it.
func (w *writer) add(e map[string]any) stored {
	id := w.nextID
	w.nextID++
	md := e["metadata"].(map[string]any)
	uid, _ := md["uid"].(string)
	if uid == "" {
		uid = fmt.Sprintf("00000000-0000-4000-8000-%012d", id)
		md["uid"] = uid
	}
	ns, _ := md["namespace"].(string)
	if ns == "" {
		ns = "default"
	}
	ref := strings.ToLower(e["kind"].(string) + ":" + ns + "/" + md["name"].(string))
	b, err := json.Marshal(e)
	if err != nil {
		w.t.Fatal(err)
	}
	w.ents = append(w.ents, []any{id, uid, ref, string(b), "h", int64(0)})
	for _, r := range searchRows(e) {
		w.search = append(w.search, []any{id, r.key, nullable(r.value), nullable(r.original)})
	}
	if len(w.search) > 2000 {
		w.flush()
	}
	return stored{ID: id, Ref: ref, UID: uid, JSON: string(b)}
}

func nullable(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

func (w *writer) flush() {
	w.insert("final_entities (id, entity_id, entity_ref, final_entity, hash, last_updated_at)", w.ents)
	w.insert("search (id, key, value, original_value)", w.search)
	if w.db.Dialect == store.SQLite {
		w.insert("search_trigram (rowid, value)", trigramRows(w.search))
	}
	w.ents, w.search = w.ents[:0], w.search[:0]
}

// trigramRows are SQLite's search_trigram rows of search rows, as
// stitching writes them: rowid = entity id * 4 + the key's slot.
func trigramRows(search [][]any) [][]any {
	var out [][]any
	for _, r := range search {
		if slot, ok := store.TrigramSlots[r[1].(string)]; ok && r[2] != nil {
			out = append(out, []any{r[0].(int64)*4 + int64(slot), r[2]})
		}
	}
	return out
}

func (w *writer) insert(table string, rows [][]any) {
	for len(rows) > 0 {
		n := min(len(rows), 500)
		var b strings.Builder
		var args []any
		b.WriteString("INSERT INTO " + table + " VALUES ")
		for i, row := range rows[:n] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('(')
			for j, v := range row {
				if j > 0 {
					b.WriteString(", ")
				}
				args = append(args, v)
				// SQLite looks "$N" names up one by one; "?" is positional.
				if w.db.Dialect == store.SQLite {
					b.WriteString("?")
				} else {
					b.WriteString("$" + strconv.Itoa(len(args)))
				}
			}
			b.WriteByte(')')
		}
		if _, err := w.tx.Exec(b.String(), args...); err != nil {
			w.t.Fatalf("insert into %s: %v", table, err)
		}
		rows = rows[n:]
	}
}

// exec runs a statement inside the writer's transaction.
func (w *writer) exec(query string, args ...any) {
	w.t.Helper()
	if _, err := w.tx.Exec(query, args...); err != nil {
		w.t.Fatalf("%s: %v", query, err)
	}
}

// done flushes, bumps the catalog generation and commits.
func (w *writer) done() {
	w.t.Helper()
	w.flush()
	w.exec(`UPDATE catalog_state SET generation = generation + 1 WHERE id = 1`)
	if err := w.tx.Commit(); err != nil {
		w.t.Fatal(err)
	}
}

// writeEntities writes entities in one transaction.
func writeEntities(t testing.TB, db *store.DB, entities ...map[string]any) []stored {
	t.Helper()
	var first int64
	if err := db.QueryRow(`SELECT COALESCE(max(id), 0) + 1 FROM final_entities`).Scan(&first); err != nil {
		t.Fatal(err)
	}
	w := newWriter(t, db, first)
	out := make([]stored, 0, len(entities))
	for _, e := range entities {
		out = append(out, w.add(e))
	}
	w.done()
	return out
}

// ent builds an entity from a compact description.
func ent(kind, name string, spec map[string]any, opts ...func(map[string]any)) map[string]any {
	e := map[string]any{
		"apiVersion": "backstage.io/v1alpha1",
		"kind":       kind,
		"metadata":   map[string]any{"name": name, "namespace": "default"},
	}
	if spec != nil {
		e["spec"] = spec
	}
	for _, o := range opts {
		o(e)
	}
	return e
}

func withMeta(key string, v any) func(map[string]any) {
	return func(e map[string]any) { e["metadata"].(map[string]any)[key] = v }
}

func withRelation(typ, target string) func(map[string]any) {
	return func(e map[string]any) {
		rels, _ := e["relations"].([]any)
		e["relations"] = append(rels, map[string]any{"type": typ, "targetRef": target})
	}
}

func base64JSON(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

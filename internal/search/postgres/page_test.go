package postgres_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/search"
	"github.com/callboard/callboard/internal/search/postgres"
	"github.com/callboard/callboard/internal/search/searchtest"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
)

func doc(typ, id, title, name, text string, long bool) search.Document {
	return search.Document{Type: typ, ID: id, Group: id, Title: title, Name: name, Text: text, LongText: long,
		Location: "/x/" + id, Auth: search.Auth{ResourceRef: "component:default/" + id, Kind: "component"}}
}

func put(t *testing.T, e *postgres.Engine, typ string, docs ...search.Document) {
	t.Helper()
	groups := make([]string, len(docs))
	for i, d := range docs {
		groups[i] = d.Group
	}
	if err := e.Replace(context.Background(), typ, groups, docs); err != nil {
		t.Fatal(err)
	}
}

// locations runs q over every type and returns the hits' ids and the
// total.
func locations(t *testing.T, e *postgres.Engine, q search.EngineQuery) ([]string, int) {
	t.Helper()
	q.Types = []string{search.TypeCatalog, search.TypeTechDocs}
	res, err := e.Search(context.Background(), &q)
	if err != nil {
		t.Fatalf("Search(%s): %v", q.Query, err)
	}
	return searchtest.HitIDs(t, res.Hits), res.Total
}

// everyone is a permission condition every test document meets.
var everyone = search.Condition{Not: &search.Condition{Rule: search.RuleKind, Values: []string{"nothing"}}}

// TestRestrictedOrder: a restricted query ranks its few matches as a
// whole in one statement, an unrestricted one tier by tier; both give the
// same pages, also where a page spans tiers.
func TestRestrictedOrder(t *testing.T) {
	e := postgres.New(storetest.Open(t, store.Postgres).DB, postgres.Options{})
	put(t, e, search.TypeCatalog,
		doc(search.TypeCatalog, "exact", "Ledger", "books", "", false),
		doc(search.TypeCatalog, "title", "Ledger sync", "sync", "", false),
		doc(search.TypeCatalog, "title2", "Ledger ledger reports", "reports", "the ledger", false),
		doc(search.TypeCatalog, "name", "Bookkeeping", "ledger-tool", "", false),
		doc(search.TypeCatalog, "desc", "Accounts", "accounts", "keeps the ledger", false),
		doc(search.TypeCatalog, "other", "Payments", "payments", "takes cards", false))
	put(t, e, search.TypeTechDocs,
		doc(search.TypeTechDocs, "body", "Month end", "", "the ledger is closed", true),
		doc(search.TypeTechDocs, "body2", "Year end", "", "ledger, ledger and ledger", true))
	want := []string{"exact", "title2", "title", "name", "desc", "body2", "body"}
	for off := 0; off <= len(want); off++ {
		for _, lim := range []int{1, 2, 3, 10} {
			q := search.EngineQuery{Query: search.ParseQuery("ledger"), Offset: off, Limit: lim}
			got, total := locations(t, e, q)
			page := want[min(off, len(want)):min(off+lim, len(want))]
			if diff := cmp.Diff(page, got); diff != "" || total != len(want) {
				t.Errorf("offset %d limit %d: total %d (-want +got):\n%s", off, lim, total, diff)
			}
			q.Access = &everyone
			restricted, rtotal := locations(t, e, q)
			if diff := cmp.Diff(got, restricted); diff != "" || rtotal != total {
				t.Errorf("offset %d limit %d restricted: total %d, want %d (-unrestricted +restricted):\n%s", off, lim, rtotal, total, diff)
			}
		}
	}
}

// TestLargeTier: a tier of more than 1,000 documents is served in
// pages that do not overlap, up to its end and on into the next tier,
// and the total stops at search.MaxCount, also for a restricted query.
func TestLargeTier(t *testing.T) {
	e := postgres.New(storetest.Open(t, store.Postgres).DB, postgres.Options{})
	const large = 1100
	var docs []search.Document
	for i := range large {
		id := fmt.Sprintf("w%04d", i)
		docs = append(docs, doc(search.TypeCatalog, id, "Widget "+id, id, "", false))
	}
	docs = append(docs, doc(search.TypeCatalog, "described", "Gadget", "gadget", "a widget", false))
	put(t, e, search.TypeCatalog, docs...)
	for _, access := range []*search.Condition{nil, &everyone} {
		seen := map[string]bool{}
		for off := 0; off <= large; off += 25 {
			got, total := locations(t, e, search.EngineQuery{Query: search.ParseQuery("widget"), Offset: off, Limit: 25, Access: access})
			if total != search.MaxCount || len(got) != min(25, large+1-off) {
				t.Fatalf("offset %d: total %d, %d hits", off, total, len(got))
			}
			for i, id := range got {
				if (off+i == large) != (id == "described") {
					t.Errorf("offset %d hit %d = %s: the description's tier comes after the %d titles", off, i, id, large)
				}
				if seen[id] {
					t.Errorf("%s on two pages", id)
				}
				seen[id] = true
			}
		}
		if len(seen) != large+1 {
			t.Errorf("the pages hold %d documents, want %d", len(seen), large+1)
		}
	}
}

// TestPhraseInBody: a phrase is found in a body through the body's own
// index, and not across words of the fields.
func TestPhraseInBody(t *testing.T) {
	e := postgres.New(storetest.Open(t, store.Postgres).DB, postgres.Options{})
	put(t, e, search.TypeCatalog, doc(search.TypeCatalog, "apart", "Release notes", "notes", "a train set", false))
	put(t, e, search.TypeTechDocs, doc(search.TypeTechDocs, "page", "Shipping", "", "The release train leaves on Tuesdays.", true))
	got, total := locations(t, e, search.EngineQuery{Query: search.ParseQuery(`"release train"`), Limit: 10})
	if diff := cmp.Diff([]string{"page"}, got); diff != "" || total != 1 {
		t.Errorf("total %d (-want +got):\n%s", total, diff)
	}
	got, _ = locations(t, e, search.EngineQuery{Query: search.ParseQuery(`release train -tuesdays`), Limit: 10})
	if diff := cmp.Diff([]string{"apart"}, got); diff != "" {
		t.Errorf("exclusion in the body (-want +got):\n%s", diff)
	}
}

// TestRebuildMergesPendingLists: a committed rebuild leaves no entries
// in the GIN indexes' pending lists, which every query would read.
func TestRebuildMergesPendingLists(t *testing.T) {
	db := storetest.Open(t, store.Postgres)
	if _, err := db.Exec(`CREATE EXTENSION IF NOT EXISTS pgstattuple`); err != nil {
		t.Skipf("pgstattuple: %v", err)
	}
	e := postgres.New(db.DB, postgres.Options{})
	ctx := context.Background()
	r, err := e.Rebuild(ctx, search.TypeCatalog)
	if err != nil {
		t.Fatal(err)
	}
	var docs []search.Document
	for i := range 300 {
		id := fmt.Sprintf("d%d", i)
		docs = append(docs, doc(search.TypeCatalog, id, "Document "+id, id, "some words", false))
	}
	if err := r.Add(ctx, docs); err != nil {
		t.Fatal(err)
	}
	if err := r.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(`SELECT c.relname, (pgstatginindex(c.oid)).pending_tuples
		FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
		WHERE i.indrelid IN ('search_documents'::regclass, 'search_terms'::regclass) AND am.amname = 'gin'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var name string
		var pending int64
		if err := rows.Scan(&name, &pending); err != nil {
			t.Fatal(err)
		}
		n++
		if pending != 0 {
			t.Errorf("%s: %d pending entries", name, pending)
		}
	}
	if err := rows.Err(); err != nil || n < 3 {
		t.Errorf("%d GIN indexes read: %v", n, err)
	}
}

// TestTotalAfterPage: the tiers after a full page are counted up to
// search.MaxCount, from the documents holding every word in the body
// when they are enough, and otherwise from every tier's condition (a word
// in the fields, another in the body), restricted or not.
func TestTotalAfterPage(t *testing.T) {
	e := postgres.New(storetest.Open(t, store.Postgres).DB, postgres.Options{})
	var docs []search.Document
	for i := range 3 {
		id := fmt.Sprintf("title%d", i)
		docs = append(docs, doc(search.TypeCatalog, id, "Ledger audit "+id, id, "", false))
	}
	for i := range 2 {
		id := fmt.Sprintf("desc%d", i)
		docs = append(docs, doc(search.TypeCatalog, id, "Book "+id, id, "the ledger audit", false))
	}
	catalog := len(docs)
	for i := range 4 {
		id := fmt.Sprintf("mixed%d", i)
		docs = append(docs, doc(search.TypeTechDocs, id, "Audit "+id, "", "the ledger", true))
	}
	put(t, e, search.TypeCatalog, docs[:catalog]...)
	put(t, e, search.TypeTechDocs, docs[catalog:]...)
	// The page takes the title's and the description's tiers, each of
	// documents ranked alike.
	page := []string{"title0", "title1", "title2", "desc0", "desc1"}
	byTier := func(ids []string) []string {
		if len(ids) != len(page) {
			return ids
		}
		out := slices.Clone(ids)
		slices.Sort(out[:3])
		slices.Sort(out[3:])
		return out
	}
	for _, access := range []*search.Condition{nil, &everyone} {
		got, total := locations(t, e, search.EngineQuery{Query: search.ParseQuery("ledger audit"), Limit: 5, Access: access})
		if diff := cmp.Diff(page, byTier(got)); diff != "" || total != 9 {
			t.Errorf("mixed tiers: total %d, want 9 (-want +got):\n%s", total, diff)
		}
	}
	var body []search.Document
	for i := range 1100 {
		id := fmt.Sprintf("body%04d", i)
		body = append(body, doc(search.TypeTechDocs, id, "Page "+id, "", "how the ledger audit runs", true))
	}
	put(t, e, search.TypeTechDocs, append(docs[catalog:], body...)...)
	for _, access := range []*search.Condition{nil, &everyone} {
		got, total := locations(t, e, search.EngineQuery{Query: search.ParseQuery("ledger audit"), Limit: 5, Access: access})
		if diff := cmp.Diff(page, byTier(got)); diff != "" || total != search.MaxCount {
			t.Errorf("bodies: total %d (-want +got):\n%s", total, diff)
		}
	}
}

// TestScrambledIDs: documents written one after another get ids spread
// over the range, not in the order they were written, so that a tier
// read in id order is not the documents written first.
func TestScrambledIDs(t *testing.T) {
	db := storetest.Open(t, store.Postgres)
	e := postgres.New(db.DB, postgres.Options{})
	var docs []search.Document
	for i := range 100 {
		id := fmt.Sprintf("d%03d", i)
		docs = append(docs, doc(search.TypeCatalog, id, "Doc "+id, id, "", false))
	}
	put(t, e, search.TypeCatalog, docs...)
	rows, err := db.QueryContext(context.Background(), `SELECT id FROM search_documents ORDER BY doc_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if len(ids) != 100 {
		t.Fatalf("%d documents", len(ids))
	}
	// In write order, about half the ids are smaller than the one
	// before; the first half of the writes holds ids from all over.
	down := 0
	for i := 1; i < len(ids); i++ {
		if ids[i] < ids[i-1] {
			down++
		}
	}
	sorted := slices.Clone(ids)
	slices.Sort(sorted)
	firstHalf := 0
	for _, id := range ids[:50] {
		if id <= sorted[49] {
			firstHalf++
		}
	}
	if down < 25 || firstHalf > 40 {
		t.Errorf("ids in write order: %d of 99 smaller than the one before, %d of the first 50 among the 50 smallest", down, firstHalf)
	}
}

// TestSampleCount: the tiers after a full page are counted from the
// index's sample when it holds enough of their documents (an eighth of
// 9,000 matches is more than search.MaxCount), and from every document
// when it does not: the totals are exact either way.
func TestSampleCount(t *testing.T) {
	db := storetest.Open(t, store.Postgres)
	e := postgres.New(db.DB, postgres.Options{})
	ctx := context.Background()
	var docs []search.Document
	for i := range 5 {
		id := fmt.Sprintf("title%d", i)
		docs = append(docs, doc(search.TypeCatalog, id, "Ledger audit reconcile "+id, id, "", false))
	}
	put(t, e, search.TypeCatalog, docs...)
	var pages []search.Document
	for i := range 9000 {
		id := fmt.Sprintf("page%04d", i)
		// Every page holds "ledger" in its title and "audit" in its body,
		// so that no index of one vector holds both; "reconcile" is in
		// 400 of them.
		text := "how the audit runs"
		if i < 400 {
			text += " and what reconcile does"
		}
		pages = append(pages, doc(search.TypeTechDocs, id, "Ledger "+id, "", text, true))
	}
	put(t, e, search.TypeTechDocs, pages...)
	if _, err := db.ExecContext(ctx, `ANALYZE search_documents`); err != nil {
		t.Fatal(err)
	}
	scans := func() int64 {
		var n int64
		if err := db.QueryRowContext(ctx, `SELECT idx_scan FROM pg_stat_user_indexes
			WHERE indexrelname = 'search_documents_sample'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := scans()
	for _, c := range []struct {
		query string
		total int
	}{
		{"ledger audit", search.MaxCount},
		{"ledger audit reconcile", 405},
	} {
		got, total := locations(t, e, search.EngineQuery{Query: search.ParseQuery(c.query), Limit: 5})
		if len(got) != 5 || total != c.total {
			t.Errorf("%q: %d hits, total %d, want 5 and %d", c.query, len(got), total, c.total)
		}
	}
	// The sample really is an eighth of the documents.
	var sampled int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM search_documents WHERE id < 1152921504606846976`).Scan(&sampled); err != nil {
		t.Fatal(err)
	}
	if sampled < 9005/8-150 || sampled > 9005/8+150 {
		t.Errorf("%d of 9,005 documents in the sample, want about %d", sampled, 9005/8)
	}
	// The counts read the sample's index. A server process reports its
	// statistics when it ends, at the latest: the engine's connections
	// are closed to end theirs.
	db.SetMaxIdleConns(0)
	db.SetMaxIdleConns(2)
	for deadline := time.Now().Add(15 * time.Second); scans() < before+2; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the sample's index was read %d times, want 2", scans()-before)
		}
	}
}

package searchtest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/callboard/callboard/internal/search"
)

func testReplace(t *testing.T, e search.Engine) {
	ctx := context.Background()
	types, err := e.Types(ctx)
	must(t, err)
	if len(types) != 0 {
		t.Fatalf("a new engine has indexes: %v", types)
	}
	put(t, e, search.TypeCatalog,
		Doc{ID: "a", Title: "Alpha service", Name: "alpha"},
		Doc{ID: "b", Title: "Beta service", Name: "beta"})
	put(t, e, search.TypeTechDocs,
		Doc{ID: "a-1", Group: "a", Title: "Alpha guide", Text: "How to run the alpha service", LongText: true},
		Doc{ID: "a-2", Group: "a", Title: "Alpha reference", Text: "Every alpha setting", LongText: true})
	types, err = e.Types(ctx)
	must(t, err)
	check(t, "Types", types, []string{search.TypeCatalog, search.TypeTechDocs})
	check(t, "service", sorted(ids(t, e, q("service"))), []string{"a", "a-1", "b"})

	// Replacing a group drops the documents it no longer has.
	put(t, e, search.TypeTechDocs, Doc{ID: "a-3", Group: "a", Title: "Alpha tutorial", Text: "Start here", LongText: true})
	check(t, "alpha docs", sorted(ids(t, e, search.EngineQuery{Types: []string{search.TypeTechDocs}, Query: search.ParseQuery("alpha")})), []string{"a-3"})
	// Another type's documents of the same group stay.
	check(t, "alpha catalog", ids(t, e, search.EngineQuery{Types: []string{search.TypeCatalog}, Query: search.ParseQuery("alpha")}), []string{"a"})

	// A group replaced by nothing is deleted; an update replaces.
	must(t, e.Replace(ctx, search.TypeCatalog, []string{"a", "b"}, docs(Doc{ID: "b", Title: "Beta renamed", Name: "beta"})))
	check(t, "after delete", ids(t, e, search.EngineQuery{Types: []string{search.TypeCatalog}}), []string{"b"})
	check(t, "renamed", ids(t, e, q("renamed")), []string{"b"})
	check(t, "old title", ids(t, e, q("service")), []string{})
}

func testRebuild(t *testing.T, e search.Engine) {
	ctx := context.Background()
	put(t, e, search.TypeCatalog, Doc{ID: "old", Title: "Old thing"})
	rb, err := e.Rebuild(ctx, search.TypeCatalog)
	must(t, err)
	must(t, rb.Add(ctx, docs(Doc{ID: "new1", Title: "New thing one"})))
	must(t, rb.Add(ctx, docs(Doc{ID: "new2", Title: "New thing two"})))
	// Not swapped in yet.
	check(t, "before commit", ids(t, e, q("thing")), []string{"old"})
	must(t, rb.Commit(ctx))
	check(t, "after commit", sorted(ids(t, e, q("thing"))), []string{"new1", "new2"})

	// An aborted rebuild leaves the live index.
	rb, err = e.Rebuild(ctx, search.TypeCatalog)
	must(t, err)
	must(t, rb.Add(ctx, docs(Doc{ID: "never", Title: "Never thing"})))
	must(t, rb.Abort(ctx))
	check(t, "after abort", sorted(ids(t, e, q("thing"))), []string{"new1", "new2"})

	// A first rebuild creates the type; updates go to the live index
	// while a rebuild runs.
	rb, err = e.Rebuild(ctx, search.TypeTemplate)
	must(t, err)
	must(t, rb.Add(ctx, docs(Doc{ID: "tmpl", Title: "Template thing"})))
	types, err := e.Types(ctx)
	must(t, err)
	if slices.Contains(types, search.TypeTemplate) {
		t.Errorf("a type being built for the first time is live: %v", types)
	}
	must(t, rb.Commit(ctx))
	types, err = e.Types(ctx)
	must(t, err)
	if !slices.Contains(types, search.TypeTemplate) {
		t.Errorf("the rebuilt type is not live: %v", types)
	}
	rb, err = e.Rebuild(ctx, search.TypeCatalog)
	must(t, err)
	put(t, e, search.TypeCatalog, Doc{ID: "live", Title: "Live thing"})
	check(t, "live update during rebuild", sorted(ids(t, e, search.EngineQuery{Types: []string{search.TypeCatalog}, Query: search.ParseQuery("thing")})), []string{"live", "new1", "new2"})
	must(t, rb.Commit(ctx))
	check(t, "rebuilt empty", ids(t, e, search.EngineQuery{Types: []string{search.TypeCatalog}, Query: search.ParseQuery("thing")}), []string{})
}

// testRebuildBatches: a rebuild indexes every batch as it was when Add
// returned, though the caller reuses the batch's slice for the next one.
func testRebuildBatches(t *testing.T, e search.Engine) {
	ctx := context.Background()
	rb, err := e.Rebuild(ctx, search.TypeCatalog)
	must(t, err)
	const batches, size = 20, 50
	batch := make([]search.Document, size)
	var want []string
	for b := range batches {
		for i := range batch {
			id := fmt.Sprintf("b%02d-%02d", b, i)
			batch[i] = Doc{ID: id, Title: "Batched thing " + id}.Document()
			want = append(want, id)
		}
		must(t, rb.Add(ctx, batch))
	}
	must(t, rb.Commit(ctx))
	var got []string
	for off := 0; off < batches*size; off += 100 {
		res := run(t, e, search.EngineQuery{Types: []string{search.TypeCatalog}, Query: search.ParseQuery("batched"), Offset: off, Limit: 100})
		got = append(got, HitIDs(t, res.Hits)...)
	}
	check(t, "documents of reused batches", sorted(got), want)
}

// syntaxCorpus is shared by the syntax, paging and highlight tests.
var syntaxCorpus = []Doc{
	{ID: "train", Title: "Release train", Name: "release-train", Text: "How the release train ships every week"},
	{ID: "apart", Title: "Train schedules", Name: "schedules", Text: "A release happens after each train"},
	{ID: "legacy", Title: "Legacy deploy", Name: "legacy-deploy", Text: "Deploy the legacy monolith"},
	{ID: "deploy", Title: "Deploy service", Name: "deployer", Text: "Deploys containers"},
	{ID: "obs", Title: "Observability", Name: "observability-stack", Text: "Metrics and traces"},
	{ID: "observer", Title: "Observer", Name: "observer", Text: "Watches queues"},
	{ID: "payapi", Title: "Payments API", Name: "payments-api", Text: "Charges cards"},
}

func testSyntax(t *testing.T, e search.Engine) {
	put(t, e, search.TypeCatalog, syntaxCorpus...)
	tests := []struct {
		term string
		want []string
	}{
		{"release train", []string{"apart", "train"}},
		{`"release train"`, []string{"train"}},
		{"deploy -legacy", []string{"deploy"}},
		{`deploy -"legacy monolith"`, []string{"deploy"}},
		{"observ*", []string{"obs", "observer"}},
		{"traces", []string{"obs"}},
		{"payments-api", []string{"payapi"}},
		{`"payments api"`, []string{"payapi"}},
		{"nothing-matches-this", []string{}},
		{"-deploy -release -train", []string{"obs", "observer", "payapi"}},
		{"RELEASE Train", []string{"apart", "train"}},
		{"deploy", []string{"deploy", "legacy"}},
	}
	for _, tt := range tests {
		check(t, tt.term, sorted(ids(t, e, q(tt.term))), tt.want)
	}
	// No term: every document, in title order.
	check(t, "empty term", ids(t, e, q("")), []string{"deploy", "legacy", "obs", "observer", "payapi", "train", "apart"})
}

func testFilters(t *testing.T, e search.Engine) {
	put(t, e, search.TypeCatalog,
		Doc{ID: "svc", Title: "Orders service", Extra: map[string]any{"kind": "Component", "lifecycle": "production", "owner": "team-a", "tags": []any{"go", "grpc"}, "tier": 1.0}},
		Doc{ID: "web", Title: "Orders website", Extra: map[string]any{"kind": "Component", "lifecycle": "experimental", "owner": "team-b", "tags": []any{"react"}, "critical": true}},
		Doc{ID: "api", Title: "Orders API", Extra: map[string]any{"kind": "API", "lifecycle": "production", "owner": "team-a"}})
	put(t, e, search.TypeTechDocs, Doc{ID: "doc", Group: "svc", Title: "Orders guide", Text: "orders", LongText: true, Extra: map[string]any{"kind": "component"}})
	f := func(field string, values ...string) search.Filter { return search.Filter{Field: field, Values: values} }
	tests := []struct {
		name    string
		filters []search.Filter
		types   []string
		want    []string
	}{
		{"kind", []search.Filter{f("kind", "component")}, nil, []string{"doc", "svc", "web"}},
		{"kind or", []search.Filter{f("kind", "api", "component")}, []string{search.TypeCatalog}, []string{"api", "svc", "web"}},
		{"and", []search.Filter{f("kind", "component"), f("lifecycle", "production")}, nil, []string{"svc"}},
		{"owner", []search.Filter{f("owner", "team-a")}, nil, []string{"api", "svc"}},
		{"list item", []search.Filter{f("tags", "grpc")}, nil, []string{"svc"}},
		{"number", []search.Filter{f("tier", "1")}, nil, []string{"svc"}},
		{"boolean", []search.Filter{f("critical", "true")}, nil, []string{"web"}},
		{"missing field", []search.Filter{f("nope", "x")}, nil, []string{}},
		{"types", nil, []string{search.TypeTechDocs}, []string{"doc"}},
	}
	for _, tt := range tests {
		got := ids(t, e, search.EngineQuery{Query: search.ParseQuery("orders"), Filters: tt.filters, Types: tt.types})
		check(t, tt.name, sorted(got), tt.want)
		got = ids(t, e, search.EngineQuery{Filters: tt.filters, Types: tt.types})
		check(t, tt.name+" without a term", sorted(got), tt.want)
	}
	// A document whose title is the whole query comes first only when the
	// filters allow it.
	for _, kind := range []string{"component", "api"} {
		want := []string{}
		if kind == "api" {
			want = []string{"api"}
		}
		got := ids(t, e, search.EngineQuery{Query: search.ParseQuery("orders api"), Filters: []search.Filter{f("kind", kind)}})
		check(t, "exact title, kind "+kind, sorted(got), want)
	}
}

func testAccess(t *testing.T, e search.Engine) {
	put(t, e, search.TypeCatalog,
		Doc{ID: "mine", Title: "Shared name mine", Owners: []string{"group:default/me"}},
		Doc{ID: "theirs", Title: "Shared name theirs", Owners: []string{"group:default/them"}},
		Doc{ID: "both", Title: "Shared name both", Owners: []string{"group:default/them", "user:default/jane"}},
		Doc{ID: "user", Title: "Shared name user", Kind: "user"},
		Doc{ID: "nobody", Title: "Shared name nobody"})
	owner := func(v ...string) search.Condition { return search.Condition{Rule: search.RuleOwner, Values: v} }
	kind := func(v ...string) search.Condition { return search.Condition{Rule: search.RuleKind, Values: v} }
	tests := []struct {
		name string
		cond search.Condition
		want []string
	}{
		{"owner", owner("group:default/me", "user:default/jane"), []string{"both", "mine"}},
		{"kind", kind("user"), []string{"user"}},
		{"not kind", search.Condition{Not: &search.Condition{Rule: search.RuleKind, Values: []string{"user"}}}, []string{"both", "mine", "nobody", "theirs"}},
		{"any", search.Condition{AnyOf: []search.Condition{owner("group:default/me"), kind("user")}}, []string{"mine", "user"}},
		{"all", search.Condition{AllOf: []search.Condition{owner("group:default/them"), {Not: &search.Condition{Rule: search.RuleOwner, Values: []string{"user:default/jane"}}}}}, []string{"theirs"}},
		{"none", search.Condition{AnyOf: []search.Condition{}}, []string{}},
		{"empty claims", owner(), []string{}},
	}
	for _, tt := range tests {
		for _, term := range []string{"shared", ""} {
			got := ids(t, e, search.EngineQuery{Query: search.ParseQuery(term), Access: &tt.cond})
			check(t, tt.name+" "+term, sorted(got), tt.want)
		}
		hits, err := e.Suggest(context.Background(), &search.SuggestQuery{Types: []string{search.TypeCatalog}, Prefix: "shared", Access: &tt.cond, Limit: 10})
		must(t, err)
		check(t, tt.name+" suggest", sorted(HitIDs(t, hits)), tt.want)
	}
}

func testPaging(t *testing.T, e search.Engine) {
	var corpus []Doc
	for i := range 37 {
		d := Doc{ID: "p" + string(rune('a'+i/10)) + string(rune('0'+i%10)), Title: "Paging widget " + string(rune('a'+i%26)), Text: "widget"}
		if i%3 == 0 {
			d.Name = "widget-" + d.ID
		}
		corpus = append(corpus, d)
	}
	put(t, e, search.TypeCatalog, corpus...)
	for _, term := range []string{"widget", ""} {
		all := run(t, e, search.EngineQuery{Query: search.ParseQuery(term), Limit: 100})
		if all.Total != 37 || len(all.Hits) != 37 {
			t.Fatalf("%q: total %d, %d hits; want 37", term, all.Total, len(all.Hits))
		}
		want := HitIDs(t, all.Hits)
		var paged []string
		for off := 0; off < 40; off += 10 {
			res := run(t, e, search.EngineQuery{Query: search.ParseQuery(term), Offset: off, Limit: 10})
			if res.Total != 37 {
				t.Errorf("%q offset %d: total %d, want 37", term, off, res.Total)
			}
			paged = append(paged, HitIDs(t, res.Hits)...)
		}
		check(t, "pages of "+term, paged, want)
	}
}

// testDeepPaging pages through a tier larger than an engine ranks as a
// whole (1,000 documents) and past it: every match comes once, the
// title tier before the documents matching only in their text, and the
// pages of one size are the same sequence as those of another, for an
// unrestricted and a restricted query.
func testDeepPaging(t *testing.T, e search.Engine) {
	const titled, inText = 1050, 20
	var corpus []Doc
	for i := range titled {
		corpus = append(corpus, Doc{ID: fmt.Sprintf("g%04d", i), Title: fmt.Sprintf("Gizmo %d", i), Name: fmt.Sprintf("part-%d", i)})
	}
	for i := range inText {
		corpus = append(corpus, Doc{ID: fmt.Sprintf("t%02d", i), Title: fmt.Sprintf("Widget %d", i), Text: "fits a gizmo"})
	}
	put(t, e, search.TypeCatalog, corpus...)
	everyone := search.Condition{Not: &search.Condition{Rule: search.RuleKind, Values: []string{"nothing"}}}
	for _, access := range []*search.Condition{nil, &everyone} {
		pages := func(size int) []string {
			var out []string
			for off := 0; off < titled+inText+size; off += size {
				res := run(t, e, search.EngineQuery{Query: search.ParseQuery("gizmo"), Offset: off, Limit: size, Access: access})
				if res.Total != search.MaxCount {
					t.Errorf("restricted %v, offset %d: total %d, want %d", access != nil, off, res.Total, search.MaxCount)
				}
				out = append(out, HitIDs(t, res.Hits)...)
			}
			return out
		}
		got := pages(100)
		seen := map[string]bool{}
		misplaced := -1
		for i, id := range got {
			if seen[id] {
				t.Errorf("restricted %v: %s comes twice", access != nil, id)
			}
			seen[id] = true
			if inTitle := strings.HasPrefix(id, "g"); inTitle != (i < titled) && misplaced < 0 {
				misplaced = i
				t.Errorf("restricted %v: hit %d is %s: the title tier must come first", access != nil, i, id)
			}
		}
		if len(seen) != titled+inText {
			t.Errorf("restricted %v: pages hold %d of the %d matches", access != nil, len(seen), titled+inText)
		}
		check(t, "pages of 30 against pages of 100", pages(30), got)
	}
}

func testHighlight(t *testing.T, e search.Engine) {
	put(t, e, search.TypeCatalog, syntaxCorpus...)
	put(t, e, search.TypeTechDocs, Doc{ID: "page", Group: "train", Title: "Shipping guide", LongText: true,
		Text: strings.Repeat("Filler words come first here. ", 30) + "The release train leaves on Tuesdays. " + strings.Repeat("More filler after it. ", 30)})
	res := run(t, e, q("release train"))
	byID := map[string]search.Hit{}
	for i, id := range HitIDs(t, res.Hits) {
		byID[id] = res.Hits[i]
	}
	h := byID["train"].Highlight
	if got := h["title"]; got != search.PreTag+"Release"+search.PostTag+" "+search.PreTag+"train"+search.PostTag {
		t.Errorf("title highlight = %q", got)
	}
	if got := h["text"]; !strings.Contains(got, search.PreTag+"release"+search.PostTag) || !strings.Contains(got, search.PreTag+"train"+search.PostTag) {
		t.Errorf("text highlight = %q", got)
	}
	page := byID["page"].Highlight
	if _, ok := page["title"]; ok {
		t.Errorf("a title without a match is highlighted: %q", page["title"])
	}
	text := page["text"]
	if !strings.Contains(text, search.PreTag+"release"+search.PostTag) || len(text) > 400 {
		t.Errorf("page text highlight is not a snippet around the match: %q", text)
	}
	if byID["page"].ResourceRef != "train" {
		t.Errorf("resource ref = %q", byID["page"].ResourceRef)
	}
}

func testSuggest(t *testing.T, e search.Engine) {
	put(t, e, search.TypeCatalog,
		Doc{ID: "pay", Title: "Payments", Name: "payments"},
		Doc{ID: "payapi", Title: "Payments API", Name: "payments-api"},
		Doc{ID: "checkout", Title: "Checkout", Name: "checkout", Text: "payments flow"},
		Doc{ID: "card", Title: "Card payouts", Name: "card-payouts"},
		Doc{ID: "titled", Title: "Paytrail integration", Name: "pt"})
	put(t, e, search.TypeTechDocs, Doc{ID: "guide", Group: "pay", Title: "Payments guide", LongText: true, Text: "x"})
	sug := func(prefix string, limit int) []string {
		hits, err := e.Suggest(context.Background(), &search.SuggestQuery{
			Types: []string{search.TypeCatalog, search.TypeTechDocs}, Prefix: search.Key(prefix), Limit: limit})
		must(t, err)
		return HitIDs(t, hits)
	}
	got := sug("pay", 10)
	// Names beginning with the prefix first, then titles, then words.
	if len(got) < 3 || !slices.Equal(sorted(got[:2]), []string{"pay", "payapi"}) {
		t.Errorf("pay: %v: names beginning with it should come first", got)
	}
	check(t, "pay set", sorted(got), []string{"card", "guide", "pay", "payapi", "titled"})
	if len(got) >= 2 {
		check(t, "limit", sug("pay", 2), got[:2])
	}
	check(t, "two words", sorted(sug("payments ap", 10)), []string{"payapi"})
	check(t, "word inside", sug("payo", 10), []string{"card"})
	check(t, "no match", sug("zz", 10), []string{})
	hits, err := e.Suggest(context.Background(), &search.SuggestQuery{Types: []string{search.TypeCatalog}, Prefix: "payments a", Limit: 5})
	must(t, err)
	if len(hits) != 1 || !strings.Contains(hits[0].Highlight["title"], search.PreTag) {
		t.Errorf("suggestion highlight: %+v", hits)
	}
}

func testFuzzy(t *testing.T, e search.Engine) {
	put(t, e, search.TypeCatalog,
		Doc{ID: "k8s", Title: "Kubernetes operator", Name: "kubernetes-operator"},
		Doc{ID: "pay", Title: "Payments", Name: "payments"},
		Doc{ID: "other", Title: "Something else", Name: "other", Text: "kubernetes is mentioned only here"})
	fuzzy := func(term string) []string {
		return ids(t, e, search.EngineQuery{Query: search.ParseQuery(term), Fuzzy: true})
	}
	check(t, "kubernets", sorted(fuzzy("kubernets")), []string{"k8s", "other"})
	check(t, "paymnets", fuzzy("paymnets"), []string{"pay"})
	check(t, "operatr kubernets", fuzzy("operatr kubernets"), []string{"k8s"})
	check(t, "far off", fuzzy("pxyzzts"), []string{})
	check(t, "not fuzzy", ids(t, e, q("kubernets")), []string{})
}

func testState(t *testing.T, e search.Engine) {
	ctx := context.Background()
	_, ok, err := e.LoadState(ctx, "k")
	must(t, err)
	if ok {
		t.Fatal("state found in a new engine")
	}
	must(t, e.SaveState(ctx, "k", "1"))
	must(t, e.SaveState(ctx, "k", "2"))
	v, ok, err := e.LoadState(ctx, "k")
	must(t, err)
	if !ok || v != "2" {
		t.Errorf("state = %q %v, want 2", v, ok)
	}
}

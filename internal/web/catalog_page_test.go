package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/callboard/callboard/internal/catalog"
)

// rowNames lists the names in the table's rows.
func rowNames(body string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<th scope="row"><a href="[^"]+">([^<]+)</a></th>`).FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestCatalogTable(t *testing.T) {
	tests := []struct {
		target string
		want   []string
	}{
		{"/catalog", []string{"Booking service", "fares-engine", "ferry-time", "old-importer", "Traveller website"}},
		{"/catalog?type=service&lifecycle=production&lifecycle=experimental", []string{"Booking service", "fares-engine"}},
		{"/catalog?owner=group:default/lighthouse", []string{"ferry-time", "Traveller website"}},
		{"/catalog?namespace=ops", []string{"ferry-time"}},
		{"/catalog?tag=GO", []string{"Booking service", "fares-engine"}},
		{"/catalog?text=FARE", []string{"fares-engine"}},
		{"/catalog?kind=all&text=book", []string{"Booking API", "Booking service", "bookings", "bookings-db"}},
		{"/catalog?sort=name&dir=desc&limit=2", []string{"Traveller website", "old-importer"}},
		// Sorting by a field leaves out entities without it.
		{"/catalog?sort=system", []string{"Booking service", "fares-engine"}},
		{"/catalog?kind=all&health=orphan", []string{"old-importer"}},
		{"/catalog?kind=all&health=unowned", []string{"old-importer"}},
		{"/catalog?kind=user", []string{"ana", "Jane Doe", "Omar Haddad"}},
	}
	h := testSite(t, sampleCatalog(), &fakeUnprocessed{}, func(o *Options) { o.UI = sampleUI() })
	for _, tt := range tests {
		rec := send(t, h, http.MethodGet, tt.target, nil)
		if rec.Code != 200 {
			t.Errorf("%s: status %d", tt.target, rec.Code)
			continue
		}
		if diff := cmp.Diff(tt.want, rowNames(rec.Body.String())); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.target, diff)
		}
	}
}

func TestCatalogTableForTheReader(t *testing.T) {
	ui := sampleUI()
	h := testSite(t, sampleCatalog(), &fakeUnprocessed{}, func(o *Options) { o.UI = ui })
	rec := send(t, as(jane, h), http.MethodGet, "/catalog?kind=all&user=starred", nil)
	if diff := cmp.Diff([]string{"Booking API"}, rowNames(rec.Body.String())); diff != "" {
		t.Errorf("starred (-want +got):\n%s", diff)
	}
	rec = send(t, as(jane, h), http.MethodGet, "/catalog?kind=api&user=owned", nil)
	if diff := cmp.Diff([]string{"Booking API", "fares-api"}, rowNames(rec.Body.String())); diff != "" {
		t.Errorf("owned (-want +got):\n%s", diff)
	}
	rec = send(t, h, http.MethodGet, "/catalog?user=owned", nil)
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "Sign in to see") {
		t.Errorf("owned without sign-in: %d", rec.Code)
	}
}

func TestCatalogPaging(t *testing.T) {
	cat := sampleCatalog()
	h := testSite(t, cat, &fakeUnprocessed{})
	next := regexp.MustCompile(`href="([^"]+)" data-live rel="next"`)
	prev := regexp.MustCompile(`href="([^"]+)" data-live rel="prev"`)
	unescape := func(s string) string { return strings.ReplaceAll(s, "&amp;", "&") }

	body := send(t, h, http.MethodGet, "/catalog?limit=2", nil).Body.String()
	var pages [][]string
	for i := 0; ; i++ {
		pages = append(pages, rowNames(body))
		if i == 0 && prev.MatchString(body) {
			t.Errorf("first page links to a previous one")
		}
		m := next.FindStringSubmatch(body)
		if m == nil {
			break
		}
		body = send(t, h, http.MethodGet, unescape(m[1]), nil).Body.String()
		if !strings.Contains(body, "Rows "+[]string{"3–4", "5–5"}[i]+" of 5") {
			t.Errorf("page %d does not number its rows", i+2)
		}
	}
	want := [][]string{{"Booking service", "fares-engine"}, {"ferry-time", "old-importer"}, {"Traveller website"}}
	if diff := cmp.Diff(want, pages); diff != "" {
		t.Errorf("pages (-want +got):\n%s", diff)
	}
	// Back from the last page.
	m := prev.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no previous link on the last page")
	}
	if !strings.Contains(unescape(m[1]), "page=2") {
		t.Errorf("previous link %s", m[1])
	}
	back := send(t, h, http.MethodGet, unescape(m[1]), nil).Body.String()
	if diff := cmp.Diff(want[1], rowNames(back)); diff != "" {
		t.Errorf("previous page (-want +got):\n%s", diff)
	}
	// A cursor's query comes from the cursor, whatever the address says;
	// the count of every page is the view's first page without rows.
	var cursors, counts int
	for _, q := range cat.queries {
		switch {
		case q.Cursor != "":
			cursors++
			if q.Filter != nil {
				t.Errorf("a cursor query has a filter: %+v", q)
			}
		case q.Limit != nil && *q.Limit == 0:
			counts++
			if q.SkipTotal {
				t.Errorf("a count skips the total: %+v", q)
			}
		}
	}
	if cursors != 3 || counts != 4 {
		t.Errorf("paging sent %d cursor queries and %d counts, want 3 and 4", cursors, counts)
	}
}

// facetKeys lists the keys of the facet requests, per request.
func facetKeys(reqs []catalog.FacetsRequest) []string {
	var out []string
	for _, r := range reqs {
		f, _ := json.Marshal(r.Filter)
		out = append(out, strings.Join(r.Facets, ",")+" "+string(f))
	}
	return out
}

func TestCatalogFacetCounts(t *testing.T) {
	cat := sampleCatalog()
	h := testSite(t, cat, &fakeUnprocessed{})
	body := send(t, h, http.MethodGet, "/catalog?type=service&lifecycle=production", nil).Body.String()
	send(t, h, http.MethodGet, "/catalog?type=website", nil)
	send(t, h, http.MethodGet, "/catalog?kind=all&tag=go", nil)
	// One read per kind, whatever the other filters; a page's parts run
	// side by side, so in either order.
	keys := `spec.type,relations.ownedby,spec.lifecycle,metadata.tags,metadata.namespace,spec.system`
	want := []string{`kind null`, `kind null`, `kind null`, keys + ` null`, keys + ` {"kind":"component"}`, keys + ` {"kind":"component"}`}
	if diff := cmp.Diff(want, facetKeys(cat.facets), cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("facet requests (-want +got):\n%s", diff)
	}
	// Counts are within the kind; chosen values are checked.
	for _, s := range []string{
		`value="service" checked> <span class="check__label">service</span> <span class="count">3</span>`,
		`value="library"> <span class="check__label">library</span> <span class="count">1</span>`,
		`value="production" checked> <span class="check__label">production</span> <span class="count">3</span>`,
		`value="typescript"> <span class="check__label">typescript</span> <span class="count">1</span>`,
	} {
		if !strings.Contains(body, s) {
			t.Errorf("facets lack %s", s)
		}
	}
	if strings.Contains(body, `value="openapi"`) {
		t.Errorf("facets count other kinds")
	}
}

func TestSlowFacetsLoadAfterThePage(t *testing.T) {
	cat := sampleCatalog()
	cat.facetGate = make(chan struct{})
	h := testSite(t, cat, &fakeUnprocessed{}, func(o *Options) { o.PartBudget = 20 * time.Millisecond })

	start := time.Now()
	rec := send(t, h, http.MethodGet, "/catalog?type=service", nil)
	body := rec.Body.String()
	if rec.Code != 200 || time.Since(start) > 2*time.Second {
		t.Fatalf("status %d after %v", rec.Code, time.Since(start))
	}
	if !strings.Contains(body, `<div id="facets" class="facets" data-region data-part>`) || !strings.Contains(body, "Counting values") {
		t.Errorf("no placeholder for the slow counts")
	}
	// The chosen value is still in the form, so submitting keeps it.
	if !strings.Contains(body, `name="type" value="service" checked`) {
		t.Errorf("the placeholder dropped the chosen filter")
	}
	if diff := cmp.Diff([]string{"Booking service", "fares-engine", "old-importer"}, rowNames(body)); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}

	// The script asks again and waits; the work the first request started
	// is joined, not repeated.
	body = askForParts(t, h, "/catalog?type=service", cat.facetGate)
	if strings.Contains(body, "data-part") || !strings.Contains(body, `<span class="count">3</span>`) {
		t.Errorf("waiting request has no counts")
	}
}

// TestSlowCountLoadsAfterThePage checks that a count not ready by the
// page's deadline leaves a placeholder for the script, and that the
// script's second request shows it.
func TestSlowCountLoadsAfterThePage(t *testing.T) {
	cat := sampleCatalog()
	cat.countGate = make(chan struct{})
	h := testSite(t, cat, &fakeUnprocessed{}, func(o *Options) { o.PartBudget = 20 * time.Millisecond })
	body := send(t, h, http.MethodGet, "/catalog?type=service", nil).Body.String()
	for _, want := range []string{
		`<h2 id="results-heading" class="results__count" data-region data-part>Components <span class="muted" data-part-note>(counting…)</span></h2>`,
		`<p class="pager__status" id="pager-status" data-region data-part>Rows 1–3</p>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if diff := cmp.Diff([]string{"Booking service", "fares-engine", "old-importer"}, rowNames(body)); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	body = askForParts(t, h, "/catalog?type=service", cat.countGate)
	if !strings.Contains(body, `>3 components</h2>`) || !strings.Contains(body, "Rows 1–3 of 3") {
		t.Errorf("waiting request has no count")
	}
}

// askForParts asks for target as the script does, waiting for its parts,
// opens gate while that request waits, and returns what it got.
func askForParts(t *testing.T, h http.Handler, target string, gate chan struct{}) string {
	t.Helper()
	done := make(chan string)
	go func() {
		done <- send(t, h, http.MethodGet, target, nil, partsHeader, "wait").Body.String()
	}()
	time.Sleep(50 * time.Millisecond)
	close(gate)
	return <-done
}

func TestFlightsShareWork(t *testing.T) {
	f := newFlights()
	var runs atomic.Int32
	gate := make(chan struct{})
	fn := func(context.Context) (any, error) {
		runs.Add(1)
		<-gate
		return "done", nil
	}
	a, b := f.do("k", fn), f.do("k", fn)
	if a != b {
		t.Errorf("two flights for one key")
	}
	other := f.do("other", fn)
	close(gate)
	<-a.done
	<-other.done
	if runs.Load() != 2 || a.val != "done" {
		t.Errorf("runs = %d, val = %v", runs.Load(), a.val)
	}
	// A finished flight is forgotten: the next call runs again.
	c := f.do("k", func(context.Context) (any, error) { return "again", nil })
	<-c.done
	if c.val != "again" {
		t.Errorf("finished flight reused: %v", c.val)
	}
}

func TestFacetGroups(t *testing.T) {
	var fc []catalog.FacetCount
	for i := range 60 {
		fc = append(fc, catalog.FacetCount{Value: fmt.Sprintf("tag-%02d", i), Count: i % 7})
	}
	fc = append(fc, catalog.FacetCount{Value: "Go", Count: 5}, catalog.FacetCount{Value: "go", Count: 4})
	v := catalogView{Filters: map[string][]string{"tag": {"tag-00", "absent"}}}
	groups := facetGroups(v, map[string][]catalog.FacetCount{"metadata.tags": fc}, true, false)
	var tags facetGroup
	for _, g := range groups {
		if g.Param == "tag" {
			tags = g
		}
	}
	var shown []string
	for _, o := range tags.Shown {
		shown = append(shown, fmt.Sprintf("%s:%s:%v", o.Value, o.Num, o.Selected))
	}
	want := []string{
		"Go:9:false", "tag-06:6:false", "tag-13:6:false", "tag-20:6:false", "tag-27:6:false", "tag-34:6:false",
		"tag-41:6:false", "tag-48:6:false", "tag-00:0:true", "absent:0:true",
	}
	if diff := cmp.Diff(want, shown); diff != "" {
		t.Errorf("shown (-want +got):\n%s", diff)
	}
	// 61 distinct values: 50 listed (8 shown, 42 more), the chosen tag-00
	// beyond them, and 10 left unlisted.
	if len(tags.More) != facetListed-facetShown || tags.Unlisted != 61-facetListed-1 {
		t.Errorf("more %d, unlisted %d", len(tags.More), tags.Unlisted)
	}
	if got := topFacets(fc[:3], 5); len(got) != 3 || got[0].Value != "tag-02" {
		t.Errorf("topFacets of a short list: %v", got)
	}
}

func TestFlightsRunFewAtOnce(t *testing.T) {
	f := newFlights()
	var running, most atomic.Int32
	gate := make(chan struct{})
	var all []*flight
	for i := range maxPartsRunning + 3 {
		all = append(all, f.do(fmt.Sprint(i), func(context.Context) (any, error) {
			n := running.Add(1)
			for {
				m := most.Load()
				if n <= m || most.CompareAndSwap(m, n) {
					break
				}
			}
			<-gate
			running.Add(-1)
			return nil, nil
		}))
	}
	time.Sleep(50 * time.Millisecond)
	close(gate)
	for _, c := range all {
		<-c.done
	}
	if int(most.Load()) != maxPartsRunning {
		t.Errorf("%d parts ran at once, want %d", most.Load(), maxPartsRunning)
	}
}

// TestPartsShareOneDeadline checks that a page's parts wait for one
// deadline: past it, a part still running is left for the script, while
// one that is done is used.
func TestPartsShareOneDeadline(t *testing.T) {
	s := &site{parts: newFlights(), partBudget: time.Hour}
	r := httptest.NewRequest(http.MethodGet, "/catalog", nil)
	gate := make(chan struct{})
	defer close(gate)
	done := startPart(s, "done", func(context.Context) (int, error) { return 2, nil })
	<-done.done
	running := startPart(s, "running", func(context.Context) (int, error) { <-gate; return 1, nil })
	past := time.Now().Add(-time.Second)
	if v, ready, err := awaitPart[int](r, running, past); ready || err != nil || v != 0 {
		t.Errorf("running part past the deadline: %v, %v, %v", v, ready, err)
	}
	if v, ready, err := awaitPart[int](r, done, past); !ready || err != nil || v != 2 {
		t.Errorf("done part past the deadline: %v, %v, %v", v, ready, err)
	}
}

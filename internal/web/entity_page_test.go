package web

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/plugin"
)

// testCard is a plugin card for components.
type testCard struct {
	id   string
	body template.HTML
	err  error
	seen *plugin.EntityView
}

func (c *testCard) ID() string                      { return c.id }
func (c *testCard) Title() string                   { return "Card " + c.id }
func (c *testCard) AppliesTo(e *entity.Entity) bool { return e.Kind == "Component" }
func (c *testCard) Render(_ context.Context, v *plugin.EntityView) (template.HTML, error) {
	c.seen = v
	return c.body, c.err
}

// testTab is a plugin tab for APIs that reads other entities.
type testTab struct{ id string }

func (t testTab) ID() string                      { return t.id }
func (t testTab) Title() string                   { return "Tab " + t.id }
func (t testTab) AppliesTo(e *entity.Entity) bool { return e.Kind == "API" }
func (t testTab) Render(ctx context.Context, v *plugin.EntityView) (template.HTML, error) {
	if v.Query.Get("fail") != "" {
		return "", problem.Input("bad %s", v.Query.Get("fail"))
	}
	ents, err := v.Catalog.EntitiesByRefs(ctx, []string{"component:default/booking-service", "component:default/nope"})
	if err != nil {
		return "", err
	}
	return template.HTML("<h2>" + template.HTMLEscapeString(ents[0].Metadata.Title) + "</h2>" +
		template.HTMLEscapeString(v.Link("group:default/harbour")) + " " + template.HTMLEscapeString(v.Path)), nil
}

func tabLabels(body string) []string {
	var out []string
	nav := body[strings.Index(body, `aria-label="Entity sections"`):]
	nav = nav[:strings.Index(nav, "</nav>")]
	for _, m := range regexp.MustCompile(`<a href="([^"]+)"( aria-current="page")?>([^<]+)</a>`).FindAllStringSubmatch(nav, -1) {
		out = append(out, m[3]+" "+m[1]+map[bool]string{true: " *"}[m[2] != ""])
	}
	return out
}

func TestEntityPagePlugins(t *testing.T) {
	good := &testCard{id: "good", body: "<p>from a plugin</p>"}
	failing := &testCard{id: "failing", err: errors.New("backend down at 10.1.2.3")}
	refusing := &testCard{id: "refusing", err: problem.NotAllowed("You may not see on-call")}
	hidden := &testCard{id: "hidden"}
	h := testSite(t, sampleCatalog(), &fakeUnprocessed{}, func(o *Options) {
		o.Cards = []plugin.EntityCard{good, failing, refusing, hidden}
		o.Tabs = []plugin.EntityTab{testTab{"definition"}, testTab{"relations"}}
	})

	body := send(t, as(jane, h), http.MethodGet, "/catalog/default/component/booking-service", nil).Body.String()
	for _, want := range []string{
		`<h2 id="card-good-heading" class="entity-card__title">Card good</h2>` + "\n    <p>from a plugin</p>",
		`<h2 id="card-failing-heading" class="entity-card__title">Card failing</h2>` + "\n    <p class=\"muted\">This card could not be shown.</p>",
		"You may not see on-call",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("overview lacks %q", want)
		}
	}
	if strings.Contains(body, "10.1.2.3") || strings.Contains(body, "card-hidden") {
		t.Errorf("a failure's detail or an empty card is shown")
	}
	if strings.Index(body, "card-about") > strings.Index(body, "card-good") {
		t.Errorf("plugin cards come before the portal's")
	}
	v := good.seen
	if v == nil || v.Viewer != "user:default/jane.doe" || v.Ref.String() != "component:default/booking-service" || v.Path != "/catalog/default/component/booking-service" {
		t.Errorf("card saw %+v", v)
	}

	// Plugin tabs come after Relations and before History; a second tab
	// with a taken ID is ignored.
	body = send(t, h, http.MethodGet, "/catalog/default/api/booking-api/definition", nil).Body.String()
	want := []string{
		"Overview /catalog/default/api/booking-api",
		"Relations /catalog/default/api/booking-api/relations",
		"Tab definition /catalog/default/api/booking-api/definition *",
		"History /catalog/default/api/booking-api/history",
		"Inspect /catalog/default/api/booking-api/inspect",
	}
	if diff := cmp.Diff(want, tabLabels(body)); diff != "" {
		t.Errorf("tabs (-want +got):\n%s", diff)
	}
	if !strings.Contains(body, "<h2>Booking service</h2>/catalog/default/group/harbour /catalog/default/api/booking-api") {
		t.Errorf("tab content missing:\n%s", body)
	}
	if !strings.Contains(body, "<title>Tab definition · Booking API · Callboard</title>") {
		t.Errorf("tab title missing")
	}
	rec := send(t, h, http.MethodGet, "/catalog/default/api/booking-api/definition?fail=x", nil)
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), "bad x") {
		t.Errorf("failing tab: %d", rec.Code)
	}
	// A tab for APIs is not on a component's page.
	if rec := send(t, h, http.MethodGet, "/catalog/default/component/booking-service/definition", nil); rec.Code != 404 {
		t.Errorf("tab that does not apply: %d", rec.Code)
	}
}

func TestEntityPageLookup(t *testing.T) {
	h := testSite(t, sampleCatalog(), &fakeUnprocessed{})
	for target, status := range map[string]int{
		"/catalog/default/component/booking-service":         200,
		"/catalog/Default/Component/Booking-Service":         200,
		"/catalog/ops/component/ferry-time":                  200,
		"/catalog/default/component/ferry-time":              404,
		"/catalog/default/component/booking-service/nothing": 404,
		"/catalog/default/component/booking-service/inspect": 200,
	} {
		if rec := send(t, h, http.MethodGet, target, nil); rec.Code != status {
			t.Errorf("%s: status %d, want %d", target, rec.Code, status)
		}
	}
}

func TestStar(t *testing.T) {
	ui := sampleUI()
	h := testSite(t, sampleCatalog(), &fakeUnprocessed{}, func(o *Options) { o.UI = ui })
	page := "/catalog/default/component/booking-service"
	star := func(on string) {
		t.Helper()
		rec := send(t, as(jane, h), http.MethodPost, page+"/star", url.Values{"on": {on}, "csrf_token": {"csrf-jane"}}, "Sec-Fetch-Site", "same-origin")
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != page {
			t.Fatalf("star %s: %d %s", on, rec.Code, rec.Header().Get("Location"))
		}
	}
	star("1")
	body := send(t, as(jane, h), http.MethodGet, page, nil).Body.String()
	if !strings.Contains(body, `aria-pressed="true"`) || !strings.Contains(body, `name="on" value="0"`) {
		t.Errorf("starred entity shows no pressed star")
	}
	if got, _ := ui.Stars(context.Background(), "user:default/jane.doe", 10); got[0] != "component:default/booking-service" {
		t.Errorf("stars = %v", got)
	}
	star("0")
	if on, _ := ui.IsStarred(context.Background(), "user:default/jane.doe", "component:default/booking-service"); on {
		t.Errorf("still starred after unstarring")
	}

	// Without a user there is no star, and posting is refused.
	if body := send(t, h, http.MethodGet, page, nil).Body.String(); strings.Contains(body, "/star") {
		t.Errorf("anonymous page has a star form")
	}
	if rec := send(t, h, http.MethodPost, page+"/star", url.Values{"on": {"1"}}); rec.Code != http.StatusUnauthorized {
		t.Errorf("anonymous star: %d", rec.Code)
	}
	if rec := send(t, as(jane, h), http.MethodPost, "/catalog/default/component/nope/star", url.Values{"on": {"1"}}); rec.Code != 404 {
		t.Errorf("star of a missing entity: %d", rec.Code)
	}
}

func TestHistoryPaging(t *testing.T) {
	cat := sampleCatalog()
	ref := "component:default/booking-service"
	for range historyPageSize {
		cat.history[ref] = append(cat.history[ref], cat.history[ref][0])
	}
	h := testSite(t, cat, &fakeUnprocessed{})
	body := send(t, h, http.MethodGet, "/catalog/default/component/booking-service/history", nil).Body.String()
	if n := strings.Count(body, `<li class="history__entry">`); n != historyPageSize {
		t.Errorf("%d entries on the first page", n)
	}
	m := regexp.MustCompile(`<a href="([^"]+)" rel="next">Older changes</a>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no link to older changes")
	}
	body = send(t, h, http.MethodGet, strings.ReplaceAll(m[1], "&amp;", "&"), nil).Body.String()
	if n := strings.Count(body, `<li class="history__entry">`); n != 2 || !strings.Contains(body, "Newest changes") {
		t.Errorf("%d entries on the second page", n)
	}
}

func TestPatchOps(t *testing.T) {
	long := strings.Repeat("x", maxValueShown+10)
	ops, more := patchOps([]byte(`[{"op":"remove","path":"/a"},{"op":"add","path":"/b","value":"` + long + `"}]`))
	if more != 0 || len(ops) != 2 || ops[0].Value != "" || !strings.HasSuffix(ops[1].Value, "…") {
		t.Errorf("ops = %+v, more %d", ops, more)
	}
	if ops, _ := patchOps([]byte(`not json`)); ops != nil {
		t.Errorf("bad diff gave %v", ops)
	}
}

func TestJSONToYAMLKeepsOrder(t *testing.T) {
	got, err := jsonToYAML([]byte(`{"kind":"Component","metadata":{"name":"a","tags":["x","true"]},"spec":{"port":8080,"on":true,"empty":null}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := "kind: Component\nmetadata:\n  name: a\n  tags:\n  - x\n  - 'true'\nspec:\n  port: 8080\n  on: true\n  empty: null\n"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

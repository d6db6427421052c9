package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"

	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/scaffolder"
)

// hiddenFields returns the hidden inputs of a page, as the browser sends
// them back.
func hiddenFields(t testing.TB, body string) url.Values {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	out := url.Values{}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "input" {
			a := map[string]string{}
			for _, at := range n.Attr {
				a[at.Key] = at.Val
			}
			if a["type"] == "hidden" && a["name"] != "" {
				out.Add(a["name"], a["value"])
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out
}

// post sends a wizard page: the page's hidden state plus fields.
func post(t testing.TB, h http.Handler, target, page string, fields ...string) *responseBody {
	t.Helper()
	form := hiddenFields(t, page)
	for i := 0; i+1 < len(fields); i += 2 {
		form.Set(fields[i], fields[i+1])
	}
	rec := send(t, h, http.MethodPost, target, form, "Sec-Fetch-Site", "same-origin")
	return &responseBody{Code: rec.Code, Body: rec.Body.String(), Location: rec.Header().Get("Location")}
}

// draftIDs matches the random id of a form's secrets draft, which golden
// files hold as DRAFT.
var draftIDs = regexp.MustCompile(`(name="_draft" value=")[0-9a-f]{32}"`)

type responseBody struct {
	Code     int
	Body     string
	Location string
}

func TestGoldenCreatePages(t *testing.T) {
	tests := []struct {
		name   string
		target string
		status int
	}{
		{"create", "/create", 200},
		{"create-filtered", "/create?type=service&tag=go&owner=group:default/harbour", 200},
		{"create-none", "/create?text=nothing-like-this", 200},
		{"create-template", "/create/templates/default/tide-service", 200},
		{"create-template-prefilled", "/create/templates/default/tide-service?formData=" + url.QueryEscape(`{"name":"tide-clock","hasDatabase":true}`), 200},
		{"create-template-no-parameters", "/create/templates/default/ping", 200},
		{"create-template-missing", "/create/templates/default/nope", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cat := createCatalog(t)
			h := as(jane, createSite(t, cat, &fakeScaffolder{cat: cat}, nil))
			rec := send(t, h, http.MethodGet, tt.target, nil)
			if rec.Code != tt.status {
				t.Errorf("status = %d, want %d", rec.Code, tt.status)
			}
			compareGolden(t, tt.name, rec.Body.String())
		})
	}
}

// TestWizard walks the service template's form: an invalid first page
// shows its errors beside the fields, a condition brings up a field, the
// second page takes a secret that never comes back in a page, the review
// lists the answers and creating the task sends the values and secrets
// to the scaffolder and the browser to the task.
func TestWizard(t *testing.T) {
	cat := createCatalog(t)
	sc := &fakeScaffolder{cat: cat}
	h := as(jane, createSite(t, cat, sc, nil))
	const target = "/create/templates/default/tide-service"
	page := send(t, h, http.MethodGet, target, nil).Body.String()

	// Page 1 with a bad name and no owner.
	res := post(t, h, target, page, "v/name", "Not OK!", "v/description", "Tells the tide.")
	if res.Code != http.StatusBadRequest {
		t.Fatalf("invalid page: status %d", res.Code)
	}
	compareGolden(t, "create-template-errors", res.Body)
	for _, want := range []string{`aria-invalid="true"`, "Use 1 to 63 letters and digits", "This field is required.", ">Tells the tide.</textarea>"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("the page with errors lacks %q", want)
		}
	}

	// Ticking the box brings up a field: the page shows again, no errors.
	res = post(t, h, target, res.Body, "v/name", "tide-clock", "v/owner", "harbour", "v/hasDatabase", "true", "v/description", "Tells the tide.")
	if res.Code != http.StatusOK || !strings.Contains(res.Body, "more questions") || !strings.Contains(res.Body, `name="v/dbSize"`) || strings.Contains(res.Body, "aria-invalid") {
		t.Fatalf("a condition did not bring up its field (%d):\n%s", res.Code, res.Body)
	}

	// Page 1 done; page 2.
	res = post(t, h, target, res.Body, "v/name", "tide-clock", "v/owner", "harbour", "v/hasDatabase", "true", "v/dbSize", "large", "v/description", "Tells the tide.")
	if res.Code != http.StatusOK || !strings.Contains(res.Body, "<h2>Where it lives</h2>") {
		t.Fatalf("page 2 did not follow (%d):\n%s", res.Code, res.Body)
	}
	// Page 2 with a port out of range, and the secret.
	res = post(t, h, target, res.Body, "r.host/repoUrl", "git.example.com", "r.owner/repoUrl", "harbour", "r.repo/repoUrl", "tide-clock", "v/port", "80", "v/token", "s3cr3t-value")
	if res.Code != http.StatusBadRequest || !strings.Contains(res.Body, "Enter a number of at least 1024.") {
		t.Fatalf("page 2's error is not shown (%d):\n%s", res.Code, res.Body)
	}
	if strings.Contains(res.Body, "s3cr3t-value") {
		t.Fatal("the secret came back in the page")
	}
	if !strings.Contains(res.Body, "A value was entered before and is kept") {
		t.Error("the secret field does not say its value is kept")
	}
	// Fixed; the secret field left empty keeps the secret.
	res = post(t, h, target, res.Body, "r.host/repoUrl", "git.example.com", "r.owner/repoUrl", "harbour", "r.repo/repoUrl", "tide-clock", "v/port", "8080")
	if res.Code != http.StatusOK || !strings.Contains(res.Body, "<h2>Review</h2>") {
		t.Fatalf("the review did not follow (%d):\n%s", res.Code, res.Body)
	}
	compareGolden(t, "create-template-review", draftIDs.ReplaceAllString(res.Body, `$1DRAFT"`))
	if strings.Contains(res.Body, "s3cr3t-value") {
		t.Fatal("the secret is on the review page")
	}

	// Create.
	res = post(t, h, target, res.Body, "_action", "create")
	if res.Code != http.StatusSeeOther || res.Location != "/create/tasks/11111111-2222-4333-8444-555555555555" {
		t.Fatalf("create: %d to %q:\n%s", res.Code, res.Location, res.Body)
	}
	if len(sc.created) != 1 {
		t.Fatalf("%d tasks created", len(sc.created))
	}
	got := sc.created[0]
	want := scaffolder.CreateRequest{
		TemplateRef: "template:default/tide-service",
		Values: map[string]any{
			"name": "tide-clock", "owner": "group:default/harbour", "description": "Tells the tide.",
			"hasDatabase": true, "dbSize": "large",
			"repoUrl": "git.example.com?owner=harbour&repo=tide-clock", "port": float64(8080), "token": "************",
		},
		Secrets:   map[string]string{"token": "s3cr3t-value"},
		UserRef:   "user:default/jane.doe",
		CreatedBy: "user:default/jane.doe",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("task request (-want +got):\n%s", diff)
	}
}

// TestWizardReasksLostSecrets: when the server no longer holds a secret
// the values stand for (the draft expired), creating goes back to its
// page and asks for it again.
func TestWizardReasksLostSecrets(t *testing.T) {
	cat := createCatalog(t)
	sc := &fakeScaffolder{cat: cat}
	h := as(jane, createSite(t, cat, sc, nil))
	const target = "/create/templates/default/tide-service"
	values := `{"name":"tide-clock","owner":"group:default/harbour","hasDatabase":false,"repoUrl":"git.example.com?owner=h&repo=r","port":8080,"token":"******"}`
	form := url.Values{"_step": {"2"}, "_values": {values}, "_draft": {"gone"}, "_action": {"create"}}
	rec := send(t, h, http.MethodPost, target, form, "Sec-Fetch-Site", "same-origin")
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "Enter this again") || !strings.Contains(rec.Body.String(), "<h2>Where it lives</h2>") {
		t.Fatalf("lost secret not asked again (%d):\n%s", rec.Code, rec.Body)
	}
	if len(sc.created) != 0 {
		t.Fatal("a task was created without its secret")
	}
}

func TestWizardButtons(t *testing.T) {
	cat := createCatalog(t)
	h := as(jane, createSite(t, cat, &fakeScaffolder{cat: cat}, nil))
	const target = "/create/templates/default/tide-service"
	page := send(t, h, http.MethodGet, target, nil).Body.String()

	// Refresh shows the same page with what was typed, without errors.
	res := post(t, h, target, page, "_action", "refresh", "v/description", "typed")
	if res.Code != 200 || !strings.Contains(res.Body, "<h2>About the service</h2>") || strings.Contains(res.Body, "aria-invalid") || !strings.Contains(res.Body, ">typed</textarea>") {
		t.Errorf("refresh (%d):\n%s", res.Code, res.Body)
	}
	// Back from page 2 keeps page 2's answers and shows page 1.
	state := url.Values{"_step": {"1"}, "_values": {`{"name":"a","owner":"group:default/harbour"}`}}
	state.Set("_action", "back")
	state.Set("_shown", "/port")
	state.Set("v/port", "9000")
	rec := send(t, h, http.MethodPost, target, state, "Sec-Fetch-Site", "same-origin")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "<h2>About the service</h2>") || !strings.Contains(rec.Body.String(), `&#34;port&#34;:9000`) {
		t.Errorf("back (%d):\n%s", rec.Code, rec.Body)
	}
	// Change on the review goes to that page.
	review := url.Values{"_step": {"2"}, "_values": {`{"name":"a"}`}, "_action": {"edit-1"}}
	rec = send(t, h, http.MethodPost, target, review, "Sec-Fetch-Site", "same-origin")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "<h2>Where it lives</h2>") {
		t.Errorf("edit from the review (%d):\n%s", rec.Code, rec.Body)
	}
	// A page number out of range, values that are not JSON.
	for _, bad := range []url.Values{
		{"_step": {"7"}},
		{"_step": {"0"}, "_values": {"{"}},
	} {
		if rec := send(t, h, http.MethodPost, target, bad, "Sec-Fetch-Site", "same-origin"); rec.Code != http.StatusBadRequest {
			t.Errorf("%v: status %d", bad, rec.Code)
		}
	}
	// A form posted from another site is refused.
	if rec := send(t, h, http.MethodPost, target, url.Values{"_step": {"0"}}, "Sec-Fetch-Site", "cross-site"); rec.Code != http.StatusForbidden {
		t.Errorf("cross-site post: status %d", rec.Code)
	}
}

func TestWizardCreateRefused(t *testing.T) {
	cat := createCatalog(t)
	sc := &fakeScaffolder{cat: cat}
	refuse := func(_ context.Context, name, ref string) error {
		if name == "scaffolder.task.create" {
			return problem.NotAllowed("You are not allowed to do this (%s).", name)
		}
		return nil
	}
	h := as(jane, createSite(t, cat, sc, refuse))
	form := url.Values{"_step": {"1"}, "_values": {`{"site":"x"}`}, "_action": {"create"}}
	rec := send(t, h, http.MethodPost, "/create/templates/default/docs-site", form, "Sec-Fetch-Site", "same-origin")
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "not allowed") || len(sc.created) != 0 {
		t.Errorf("refused create: %d, %d tasks\n%s", rec.Code, len(sc.created), rec.Body)
	}
	// The rate limit shows on the review page.
	sc.createErr = &scaffolder.RateLimitError{Limit: 30, RetryAfter: 60e9}
	h = as(jane, createSite(t, cat, sc, nil))
	rec = send(t, h, http.MethodPost, "/create/templates/default/docs-site", form, "Sec-Fetch-Site", "same-origin")
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "60" || !strings.Contains(rec.Body.String(), "Too many tasks") {
		t.Errorf("rate limit: %d %q\n%s", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
	}
}

func TestPickerSuggestionsAreBounded(t *testing.T) {
	cat := createCatalog(t)
	h := as(jane, createSite(t, cat, &fakeScaffolder{cat: cat}, nil))
	body := send(t, h, http.MethodGet, "/create/templates/default/tide-service", nil).Body.String()
	if !strings.Contains(body, `<option value="group:default/harbour">Harbour</option>`) {
		t.Errorf("the owner picker offers no groups:\n%s", body)
	}
	if strings.Contains(body, `<option value="user:default/jane.doe">`) {
		t.Error("the owner picker's catalogFilter (kind Group) offers users")
	}
	for _, q := range cat.queries {
		if q.Limit == nil || *q.Limit > maxTemplates {
			t.Errorf("unbounded query: %+v", q)
		}
	}
}

// TestTemplatesPageDoesNotWaitForCounts: when the filters' values are not
// counted within the page's budget, the page shows without them and
// marks the part for the script, which asks again and waits.
func TestTemplatesPageDoesNotWaitForCounts(t *testing.T) {
	cat := createCatalog(t)
	cat.facetGate = make(chan struct{})
	h := as(jane, createSite(t, cat, &fakeScaffolder{cat: cat}, nil))
	body := send(t, h, http.MethodGet, "/create?type=service", nil).Body.String()
	for _, want := range []string{`id="template-facets" class="facets" data-region data-part`, "Counting values", `value="service" checked`, "Tide service"} {
		if !strings.Contains(body, want) {
			t.Errorf("page without counts lacks %q", want)
		}
	}
	close(cat.facetGate)
	body = send(t, h, http.MethodGet, "/create?type=service", nil, "Callboard-Parts", "wait").Body.String()
	if strings.Contains(body, "data-part") || !strings.Contains(body, `<span class="count">2</span>`) {
		t.Errorf("the page asked to wait lacks its counts:\n%s", body)
	}
}

package builtin

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/problem"
)

func TestHTTPReader(t *testing.T) {
	srv := newFileServer(t, map[string]file{
		"/a.yaml":   {body: "kind: A\n", etag: `"v1"`},
		"/boom":     {body: "oops", status: http.StatusInternalServerError},
		"/big":      {body: strings.Repeat("x", 100)},
		"/redirect": {},
	})
	other := newFileServer(t, map[string]file{"/x": {body: "secret"}})
	srv.Config.Handler = redirectTo(srv.Config.Handler, "/redirect", other.URL+"/x")
	r, err := NewHTTPReader([]AllowRule{allowServer(srv)}, nil, 50)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	body, etag, notModified, err := r.Read(ctx, srv.URL+"/a.yaml", "")
	if err != nil || string(body) != "kind: A\n" || etag != `"v1"` || notModified {
		t.Errorf("first read = %q, %q, %v, %v", body, etag, notModified, err)
	}
	body, etag, notModified, err = r.Read(ctx, srv.URL+"/a.yaml", `"v1"`)
	if err != nil || body != nil || etag != `"v1"` || !notModified {
		t.Errorf("conditional read = %q, %q, %v, %v", body, etag, notModified, err)
	}

	tests := []struct {
		url, wantName, wantMsg string
	}{
		{srv.URL + "/missing", problem.NotFoundError, "could not read " + srv.URL + "/missing, 404 Not Found"},
		{srv.URL + "/boom", "", "could not read " + srv.URL + "/boom, 500 Internal Server Error"},
		{srv.URL + "/big", "", "could not read " + srv.URL + "/big, the body is larger than the limit of 50 bytes"},
		{other.URL + "/x", problem.NotAllowedError, "Reading from '" + other.URL + "/x' is not allowed. You may need to configure an integration for the target host, or add it to the configured list of allowed hosts at 'backend.reading.allow'"},
		{srv.URL + "/redirect", problem.NotAllowedError, "Reading from '" + other.URL + "/x' is not allowed. You may need to configure an integration for the target host, or add it to the configured list of allowed hosts at 'backend.reading.allow'"},
		{"file:///etc/passwd", problem.NotAllowedError, "Reading from 'file:///etc/passwd' is not allowed. You may need to configure an integration for the target host, or add it to the configured list of allowed hosts at 'backend.reading.allow'"},
		{"relative/x.yaml", problem.InputError, `Invalid URL "relative/x.yaml"`},
	}
	for _, tt := range tests {
		_, _, _, err := r.Read(ctx, tt.url, "")
		if err == nil {
			t.Errorf("Read(%s) succeeded", tt.url)
			continue
		}
		p, isProblem := err.(*problem.Error)
		switch {
		case tt.wantName == "" && isProblem:
			t.Errorf("Read(%s) = %v, want an unclassified error", tt.url, err)
		case tt.wantName == "" && err.Error() != tt.wantMsg:
			t.Errorf("Read(%s) = %q, want %q", tt.url, err, tt.wantMsg)
		case tt.wantName != "" && (!isProblem || p.Name != tt.wantName || p.Message != tt.wantMsg):
			t.Errorf("Read(%s) = %v, want %s: %s", tt.url, err, tt.wantName, tt.wantMsg)
		}
	}
	if other.count("/x") != 0 {
		t.Error("the redirect to a host outside the allow-list was followed")
	}
}

func redirectTo(next http.Handler, path, to string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == path {
			http.Redirect(w, r, to, http.StatusFound)
			return
		}
		next.ServeHTTP(w, r)
	})
}

const twoComponents = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: a
spec: {type: service, lifecycle: production, owner: team-a}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: b
spec: {type: service, lifecycle: production, owner: team-a}
`

func TestURLLocationReading(t *testing.T) {
	srv := newFileServer(t, map[string]file{
		"/org/all.yaml":    {body: "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: all}\nspec:\n  targets: [./team/a.yaml, ../shared/b.yaml]\n"},
		"/org/team/a.yaml": {body: twoComponents, etag: `"a1"`},
		"/shared/b.yaml":   {body: "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: api}\nspec: {type: openapi, lifecycle: production, owner: team-a, definition: x}\n"},
	})
	o := newOrchestrator(t, Options{ReadingAllow: []AllowRule{allowServer(srv)}})
	root := srv.URL + "/org/all.yaml"

	res := process(t, o, locationEntity("url", root), nil)
	if !res.OK {
		t.Fatalf("root: %v", errorTexts(res.Errors))
	}
	if diff := cmp.Diff([]string{"Location:all@url:" + root}, deferredRefs(res)); diff != "" {
		t.Fatalf("root emitted (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"url:" + root}, res.RefreshKeys); diff != "" {
		t.Errorf("refresh keys (-want +got):\n%s", diff)
	}

	all := res.Deferred[0].Entity
	res = process(t, o, all, nil)
	if !res.OK {
		t.Fatalf("all.yaml: %v", errorTexts(res.Errors))
	}
	a, b := srv.URL+"/org/team/a.yaml", srv.URL+"/shared/b.yaml"
	want := []string{"Component:a@url:" + a, "Component:b@url:" + a, "API:api@url:" + b}
	if diff := cmp.Diff(want, deferredRefs(res)); diff != "" {
		t.Errorf("all.yaml emitted (-want +got):\n%s", diff)
	}
	origin := res.Deferred[0].Entity["metadata"].(map[string]any)["annotations"].(map[string]any)[entity.AnnotationManagedByOriginLocation]
	if origin != "url:"+root {
		t.Errorf("origin of a child = %v, want the root location", origin)
	}

	// The emitted component gets the URL annotations when processed.
	comp := process(t, o, res.Deferred[0].Entity, nil)
	if !comp.OK {
		t.Fatalf("component: %v", errorTexts(comp.Errors))
	}
	ann := comp.Entity.Metadata.Annotations
	if ann[entity.AnnotationViewURL] != a || ann[entity.AnnotationSourceLocation] != "url:"+srv.URL+"/org/team/" {
		t.Errorf("annotations = %v", ann)
	}
	if _, ok := ann[entity.AnnotationEditURL]; ok {
		t.Errorf("edit-url for a plain HTTP host: %v", ann)
	}

	// The second read sends the ETag; the 304 replays the cached entities.
	state := res.State
	if len(state) == 0 {
		t.Fatal("no cache state after reading a file with an ETag")
	}
	again := process(t, o, all, state)
	if !again.OK {
		t.Fatalf("replay: %v", errorTexts(again.Errors))
	}
	if diff := cmp.Diff(res.Deferred, again.Deferred); diff != "" {
		t.Errorf("replayed entities differ (-first +replay):\n%s", diff)
	}
	if diff := cmp.Diff([]string{`"a1"`}, srv.inm); diff != "" {
		t.Errorf("If-None-Match sent (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(res.RefreshKeys, again.RefreshKeys); diff != "" {
		t.Errorf("refresh keys differ on replay (-first +replay):\n%s", diff)
	}

	// A changed file is read again.
	srv.set("/org/team/a.yaml", file{body: strings.ReplaceAll(twoComponents, "name: b", "name: c"), etag: `"a2"`})
	changed := process(t, o, all, again.State)
	want = []string{"Component:a@url:" + a, "Component:c@url:" + a, "API:api@url:" + b}
	if diff := cmp.Diff(want, deferredRefs(changed)); diff != "" {
		t.Errorf("after a change (-want +got):\n%s", diff)
	}
}

func TestURLLocationFailures(t *testing.T) {
	srv := newFileServer(t, map[string]file{
		"/a.yaml":   {body: twoComponents, etag: `"a1"`},
		"/bad.yaml": {body: "a: [1, 2\n"},
	})
	o := newOrchestrator(t, Options{ReadingAllow: []AllowRule{allowServer(srv)}})
	outside := "https://not-allowed.example.com/a.yaml"
	tests := []struct {
		name   string
		spec   map[string]any
		wantOK bool
		want   []string
	}{
		{"missing required", map[string]any{"target": srv.URL + "/missing.yaml"}, false,
			[]string{"NotFoundError: Unable to read url, NotFoundError: could not read " + srv.URL + "/missing.yaml, 404 Not Found"}},
		{"missing optional", map[string]any{"target": srv.URL + "/missing.yaml", "presence": "optional"}, true, nil},
		{"not allowed", map[string]any{"target": outside}, false,
			[]string{"Error: Unable to read url, NotAllowedError: Reading from '" + outside + "' is not allowed. You may need to configure an integration for the target host, or add it to the configured list of allowed hosts at 'backend.reading.allow'"}},
		{"glob", map[string]any{"target": srv.URL + "/*.yaml"}, false,
			[]string{"InputError: Unable to read url " + srv.URL + "/*.yaml: glob patterns in url targets are not supported; list each file as its own target"}},
		{"syntax error", map[string]any{"target": srv.URL + "/bad.yaml"}, false,
			[]string{"Error: YAML error at url:" + srv.URL + "/bad.yaml, did not find expected ',' or ']' (while parsing a flow sequence) at line 2, column 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := locationEntity("url", srv.URL+"/root.yaml")
			loc["spec"] = tt.spec
			res := process(t, o, loc, nil)
			if res.OK != tt.wantOK {
				t.Errorf("OK = %v, want %v", res.OK, tt.wantOK)
			}
			if diff := cmp.Diff(tt.want, errorTexts(res.Errors)); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

// A server error is an error on the Location; the cache of the last good
// read survives it, and the next good answer is a 304 replay.
func TestURLLocationTransientFailure(t *testing.T) {
	srv := newFileServer(t, map[string]file{"/a.yaml": {body: twoComponents, etag: `"a1"`}})
	o := newOrchestrator(t, Options{ReadingAllow: []AllowRule{allowServer(srv)}})
	loc := locationEntity("url", srv.URL+"/a.yaml")

	good := process(t, o, loc, nil)
	if !good.OK || len(good.Deferred) != 2 {
		t.Fatalf("first read: %v", errorTexts(good.Errors))
	}
	srv.set("/a.yaml", file{body: "down", status: http.StatusServiceUnavailable})
	bad := process(t, o, loc, good.State)
	want := []string{"Error: Unable to read url, Error: could not read " + srv.URL + "/a.yaml, 503 Service Unavailable"}
	if diff := cmp.Diff(want, errorTexts(bad.Errors)); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if bad.OK || bad.Deferred != nil {
		t.Errorf("a failed read must emit nothing: %+v", bad)
	}
	if !strings.Contains(string(bad.State), `"ttl":4`) {
		t.Errorf("state after a failure = %s, want the cache with ttl 4", bad.State)
	}
	srv.set("/a.yaml", file{body: twoComponents, etag: `"a1"`})
	back := process(t, o, loc, bad.State)
	if diff := cmp.Diff(good.Deferred, back.Deferred); diff != "" {
		t.Errorf("after recovery (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{`"a1"`, `"a1"`}, srv.inm); diff != "" {
		t.Errorf("If-None-Match sent (-want +got):\n%s", diff)
	}
}

func TestURLLocationReplay(t *testing.T) {
	srv := newFileServer(t, map[string]file{"/org/team/a.yaml": {body: twoComponents, etag: `"a1"`}})
	o := newOrchestrator(t, Options{ReadingAllow: []AllowRule{allowServer(srv)}})
	a := srv.URL + "/org/team/a.yaml"
	loc := locationEntity("url", a)
	run := processLocation(t, o, loc)
	first := run(nil, false)
	if first.Replayed || !strings.Contains(string(first.State), `"replay"`) {
		t.Fatalf("first read: replayed %v, state %s", first.Replayed, first.State)
	}

	// A 304 replays the recorded children, and the state stays as it was.
	second := run(first.State, false)
	if !second.Replayed {
		t.Error("the unchanged file's entities were emitted again")
	}
	if diff := cmp.Diff(replayedSummary(first), childSummary(second)); diff != "" {
		t.Errorf("replayed children (-want +got):\n%s", diff)
	}
	if string(second.State) != string(first.State) {
		t.Errorf("the cache changed:\n%s\n%s", first.State, second.State)
	}
	if diff := cmp.Diff([]string{"url:" + a}, second.RefreshKeys); diff != "" {
		t.Errorf("refresh keys (-want +got):\n%s", diff)
	}

	// NoReplay emits the cached entities and keeps the records for later.
	third := run(second.State, true)
	if third.Replayed {
		t.Error("NoReplay replayed")
	}
	if diff := cmp.Diff(childSummary(first), childSummary(third)); diff != "" {
		t.Errorf("NoReplay (-first +got):\n%s", diff)
	}
	if !run(third.State, false).Replayed {
		t.Error("the records were lost by a NoReplay run")
	}
	if diff := cmp.Diff([]string{`"a1"`, `"a1"`, `"a1"`}, srv.inm); diff != "" {
		t.Errorf("If-None-Match sent (-want +got):\n%s", diff)
	}

	// A changed file is parsed.
	srv.set("/org/team/a.yaml", file{body: strings.ReplaceAll(twoComponents, "name: b", "name: c"), etag: `"a2"`})
	changed := run(third.State, false)
	want := []string{"component:default/a json=true", "component:default/c json=true"}
	var got []string
	for _, c := range changed.Children {
		got = append(got, c.Ref+" json="+map[bool]string{true: "true", false: "false"}[c.JSON != ""])
	}
	if changed.Replayed {
		t.Error("the changed file was replayed")
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after a change (-want +got):\n%s", diff)
	}
}

package forge_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/catalog/builtin"
	"github.com/callboard/callboard/internal/integration/forge"
	"github.com/callboard/callboard/internal/integration/forgetest"
	"github.com/callboard/callboard/internal/integration/ratelimit"
	"github.com/callboard/callboard/internal/problem"
)

// fileServer serves /files/<name> as content "<name>\n" with its ETag, and
// /notmodified with 304 whatever was asked.
func fileServer(t *testing.T) *forgetest.Server {
	return forgetest.NewServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch name, ok := strings.CutPrefix(r.URL.Path, "/files/"); {
		case ok && name != "missing":
			forgetest.ServeFile(w, r, name+"\n")
		case r.URL.Path == "/notmodified":
			w.WriteHeader(http.StatusNotModified)
		default:
			http.NotFound(w, r)
		}
	}))
}

func TestReadFile(t *testing.T) {
	srv := fileServer(t)
	c := newClient(forgetest.NewClock(t0), 100)
	cred := forge.Credential{Header: http.Header{"Private-Token": {"glpat"}}, Budget: c.Budgets().Get("k", "x", ratelimit.Limit{})}
	ctx := context.Background()
	etag := forgetest.ETag("a\n")
	tests := []struct {
		name, path, etag string
		want             forge.File
		wantINM          string
	}{
		{"unconditional", "/files/a", "", forge.File{Body: []byte("a\n"), ETag: etag}, ""},
		{"unchanged", "/files/a", etag, forge.File{ETag: etag, NotModified: true}, etag},
		{"changed", "/files/a", `"old"`, forge.File{Body: []byte("a\n"), ETag: etag}, `"old"`},
	}
	for _, tt := range tests {
		got, err := c.ReadFile(ctx, cred.Request(srv.URL+tt.path, "u"), tt.etag)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
		reqs := srv.Requests()
		if len(reqs) != 1 || reqs[0].Header.Get("If-None-Match") != tt.wantINM || reqs[0].Header.Get("Private-Token") != "glpat" {
			t.Errorf("%s: sent %+v, want If-None-Match %q and the credential", tt.name, reqs, tt.wantINM)
		}
	}
	if cred.Header.Get("If-None-Match") != "" {
		t.Errorf("the credential's header was changed: %v", cred.Header)
	}

	_, err := c.ReadFile(ctx, cred.Request(srv.URL+"/files/missing", "u"), etag)
	want := "NotFoundError: u could not be read as " + srv.URL + "/files/missing, 404 Not Found"
	if err == nil || err.Error() != want || !problem.Is(err, problem.NotFoundError) {
		t.Errorf("missing file: %v, want %s", err, want)
	}
	// A 304 to a request that was not conditional is no answer.
	_, err = c.ReadFile(ctx, forge.Request{URL: srv.URL + "/notmodified", Budget: cred.Budget, Describe: "u"}, "")
	if want := "u could not be read as " + srv.URL + "/notmodified, 304 Not Modified"; err == nil || err.Error() != want {
		t.Errorf("unasked 304: %v, want %s", err, want)
	}
}

func TestReadFiles(t *testing.T) {
	srv := fileServer(t)
	c := newClient(forgetest.NewClock(t0), 100)
	cred := forge.Credential{Budget: c.Budgets().Get("k", "x", ratelimit.Limit{})}
	request := func(_ context.Context, p string) (forge.Request, error) {
		if p == "refused" {
			return forge.Request{}, problem.Input("no credential for %s", p)
		}
		return cred.Request(srv.URL+"/files/"+p, "https://web/"+p), nil
	}
	got, err := c.ReadFiles(context.Background(), []string{"b", "a"}, request)
	if err != nil {
		t.Fatal(err)
	}
	want := []builtin.SearchFile{{URL: "https://web/a", Body: []byte("a\n")}, {URL: "https://web/b", Body: []byte("b\n")}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"GET /files/a", "GET /files/b"}, srv.Lines()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if _, err := c.ReadFiles(context.Background(), []string{"a", "refused"}, request); err == nil || err.Error() != "InputError: no credential for refused" {
		t.Errorf("a request that cannot be made: %v", err)
	}
	if _, err := c.ReadFiles(context.Background(), []string{"missing"}, request); !problem.Is(err, problem.NotFoundError) {
		t.Errorf("a missing file: %v", err)
	}
}

func TestReadJSON(t *testing.T) {
	srv := forgetest.NewServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			forgetest.JSON(w, http.StatusOK, `{"sha":"abc"}`)
		case "/bad":
			forgetest.JSON(w, http.StatusOK, `{"sha":`)
		default:
			forgetest.JSON(w, http.StatusForbidden, `{"message":"no"}`)
		}
	}))
	c := newClient(forgetest.NewClock(t0), 100)
	cred := forge.Credential{Budget: c.Budgets().Get("k", "x", ratelimit.Limit{})}
	ctx := context.Background()
	var v struct {
		SHA string `json:"sha"`
	}
	if err := c.ReadJSON(ctx, cred.Request(srv.URL+"/ok", "u"), &v); err != nil || v.SHA != "abc" {
		t.Errorf("ReadJSON = %+v, %v", v, err)
	}
	err := c.ReadJSON(ctx, cred.Request(srv.URL+"/bad", "u"), &v)
	if want := "u could not be read as " + srv.URL + "/bad, invalid JSON answer: unexpected end of JSON input"; err == nil || err.Error() != want {
		t.Errorf("invalid JSON: %v, want %s", err, want)
	}
	err = c.ReadJSON(ctx, cred.Request(srv.URL+"/private", "u"), &v)
	if want := "u could not be read as " + srv.URL + "/private, 403 Forbidden"; err == nil || err.Error() != want {
		t.Errorf("refused: %v, want %s", err, want)
	}
}

func TestCredentialRequest(t *testing.T) {
	b := ratelimit.NewBudgets(nil).Get("k", "x", ratelimit.Limit{})
	cred := forge.Credential{Header: http.Header{"Authorization": {"Bearer t"}}, Budget: b, MaxWait: 7}
	req := cred.Request("https://api/x", "https://web/x")
	req.Header.Set("If-None-Match", `"e"`)
	if cred.Header.Get("If-None-Match") != "" {
		t.Error("a request shares the credential's header")
	}
	if req.URL != "https://api/x" || req.Describe != "https://web/x" || req.Budget != b || req.MaxWait != 7 || req.Method != "" || req.Header.Get("Authorization") != "Bearer t" {
		t.Errorf("Request = %+v", req)
	}
	if h := (forge.Credential{Budget: b}).Request("u", "u").Header; h == nil {
		t.Error("an anonymous request has no header to add to")
	}
}

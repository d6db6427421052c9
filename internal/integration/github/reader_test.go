package github

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/catalog/builtin"
	"github.com/callboard/callboard/internal/integration/forge"
	"github.com/callboard/callboard/internal/integration/forgetest"
	"github.com/callboard/callboard/internal/integration/ratelimit"
	"github.com/callboard/callboard/internal/problem"
)

var t0 = time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)

const catalogInfo = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: a}\n"

type env struct {
	r     *Reader
	fake  *fakeGitHub
	srv   *forgetest.Server
	clock *forgetest.Clock
}

// setup runs a fake GitHub whose API the reader of cfg uses (unless cfg
// names a base itself).
func setup(t *testing.T, cfg Config) *env {
	t.Helper()
	clock := forgetest.NewClock(t0)
	fake := newFakeGitHub(clock)
	fake.token = cfg.Token
	srv := forgetest.NewServer(t, fake)
	if cfg.APIBaseURL == "" && cfg.RawBaseURL == "" {
		cfg.APIBaseURL = srv.URL
	}
	client := forge.NewClient(srv.Client(), ratelimit.NewBudgets(clock), 1<<20)
	r, err := New(cfg, client)
	if err != nil {
		t.Fatal(err)
	}
	return &env{r: r, fake: fake, srv: srv, clock: clock}
}

// sent is what a test asserts about one request.
type sent struct {
	Line, Accept, Auth, INM, Version string
}

func (e *env) sent() []sent {
	var out []sent
	for _, r := range e.srv.Requests() {
		out = append(out, sent{r.Line(), r.Header.Get("Accept"), r.Header.Get("Authorization"), r.Header.Get("If-None-Match"), r.Header.Get("X-GitHub-Api-Version")})
	}
	return out
}

func raw(line, auth, inm string) sent {
	return sent{Line: line, Accept: "application/vnd.github.raw", Auth: auth, INM: inm, Version: "2022-11-28"}
}

func TestParseURL(t *testing.T) {
	r, err := New(Config{Host: "ghe.example.com", RawBaseURL: "https://ghe.example.com/raw", APIBaseURL: "https://ghe.example.com/api/v3"}, forge.NewClient(nil, nil, 1))
	if err != nil {
		t.Fatal(err)
	}
	gh, _ := New(Config{}, forge.NewClient(nil, nil, 1))
	tests := []struct {
		r    *Reader
		in   string
		want fileURL
	}{
		{gh, "https://github.com/org/repo/blob/main/catalog-info.yaml", fileURL{"org", "repo", []string{"main", "catalog-info.yaml"}}},
		{gh, "https://github.com/org/repo/tree/feature/x/dir/", fileURL{"org", "repo", []string{"feature", "x", "dir", ""}}},
		{gh, "https://GitHub.com/org/repo/raw/v1.0/a%20b.yaml", fileURL{"org", "repo", []string{"v1.0", "a b.yaml"}}},
		{gh, "https://github.com/org/repo/edit/main/x.yaml", fileURL{"org", "repo", []string{"main", "x.yaml"}}},
		{gh, "https://raw.githubusercontent.com/org/repo/main/x.yaml", fileURL{"org", "repo", []string{"main", "x.yaml"}}},
		{r, "https://ghe.example.com/org/repo/blob/main/x.yaml", fileURL{"org", "repo", []string{"main", "x.yaml"}}},
		{r, "https://ghe.example.com/raw/org/repo/main/x.yaml", fileURL{"org", "repo", []string{"main", "x.yaml"}}},
	}
	for _, tt := range tests {
		got, err := tt.r.parseURL(tt.in)
		if err != nil {
			t.Errorf("parseURL(%q): %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("parseURL(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
	for _, bad := range []string{"https://github.com/org/repo", "https://github.com/org/repo/issues/1", "https://gitlab.com/o/r/blob/main/x", "https://github.com//repo/blob/main/x", "::"} {
		if got, err := gh.parseURL(bad); !problem.Is(err, problem.InputError) {
			t.Errorf("parseURL(%q) = %v, %v; want an InputError", bad, got, err)
		}
	}
	if diff := cmp.Diff([]string{"ghe.example.com"}, r.Hosts()); diff != "" {
		t.Errorf("GHE hosts (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"github.com", "raw.githubusercontent.com"}, gh.Hosts()); diff != "" {
		t.Errorf("github.com hosts (-want +got):\n%s", diff)
	}
}

func TestConfigDefaults(t *testing.T) {
	tests := []struct {
		in      Config
		want    Config
		wantErr string
	}{
		{Config{}, Config{Host: "github.com", APIBaseURL: "https://api.github.com", RawBaseURL: "https://raw.githubusercontent.com"}, ""},
		{Config{Host: "GHE.example.com"}, Config{Host: "ghe.example.com", APIBaseURL: "https://ghe.example.com/api/v3"}, ""},
		{Config{Host: "ghe.example.com", RawBaseURL: "https://ghe.example.com/raw/"}, Config{Host: "ghe.example.com", RawBaseURL: "https://ghe.example.com/raw"}, ""},
		{Config{Host: "https://ghe.example.com"}, Config{}, `host "https://ghe.example.com": expected a host name such as git.example.com`},
		{Config{APIBaseURL: "ftp://x"}, Config{}, `apiBaseUrl "ftp://x": expected an http or https URL`},
		{Config{Apps: []AppConfig{{AppID: "1"}}}, Config{}, "apps[0]: privateKey is required"},
		{Config{Apps: []AppConfig{{PrivateKey: "k"}}}, Config{}, "apps[0]: appId or clientId is required"},
	}
	for _, tt := range tests {
		got, err := tt.in.WithDefaults()
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("WithDefaults(%+v) = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("WithDefaults(%+v): %v", tt.in, err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("WithDefaults(%+v) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestRead(t *testing.T) {
	e := setup(t, Config{Token: "ghp_token"})
	e.fake.setRepo("org/repo", "main", forgetest.Tree{"catalog-info.yaml": catalogInfo, "dir/a b.yaml": "x: 1\n"})
	ctx := context.Background()
	const auth = "Bearer ghp_token"

	body, etag, notModified, err := e.r.Read(ctx, "https://github.com/org/repo/blob/main/catalog-info.yaml", "")
	if err != nil || string(body) != catalogInfo || etag != forgetest.ETag(catalogInfo) || notModified {
		t.Fatalf("first read = %q, %q, %v, %v", body, etag, notModified, err)
	}
	body, etag2, notModified, err := e.r.Read(ctx, "https://github.com/org/repo/tree/main/catalog-info.yaml", etag)
	if err != nil || body != nil || etag2 != etag || !notModified {
		t.Fatalf("conditional read = %q, %q, %v, %v", body, etag2, notModified, err)
	}
	if _, _, _, err := e.r.Read(ctx, "https://raw.githubusercontent.com/org/repo/main/dir/a%20b.yaml", ""); err != nil {
		t.Fatal(err)
	}
	_, _, _, err = e.r.Read(ctx, "https://github.com/org/repo/blob/main/missing.yaml", "")
	wantErr := "NotFoundError: https://github.com/org/repo/blob/main/missing.yaml could not be read as " + e.srv.URL + "/repos/org/repo/contents/missing.yaml?ref=main, 404 Not Found"
	if err == nil || err.Error() != wantErr {
		t.Errorf("missing file: %v\nwant %s", err, wantErr)
	}
	want := []sent{
		raw("GET /repos/org/repo/contents/catalog-info.yaml?ref=main", auth, ""),
		raw("GET /repos/org/repo/contents/catalog-info.yaml?ref=main", auth, forgetest.ETag(catalogInfo)),
		raw("GET /repos/org/repo/contents/dir/a%20b.yaml?ref=main", auth, ""),
		raw("GET /repos/org/repo/contents/missing.yaml?ref=main", auth, ""),
	}
	if diff := cmp.Diff(want, e.sent()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

// A branch with a slash: the reader tries the shortest ref first and
// remembers the one that exists.
func TestReadBranchWithSlash(t *testing.T) {
	e := setup(t, Config{})
	e.fake.setRepo("org/repo", "feature/x", forgetest.Tree{"catalog-info.yaml": catalogInfo})
	ctx := context.Background()
	u := "https://github.com/org/repo/blob/feature/x/catalog-info.yaml"
	for range 2 {
		if body, _, _, err := e.r.Read(ctx, u, ""); err != nil || string(body) != catalogInfo {
			t.Fatalf("read = %q, %v", body, err)
		}
	}
	want := []sent{
		raw("GET /repos/org/repo/contents/x/catalog-info.yaml?ref=feature", "", ""),
		raw("GET /repos/org/repo/contents/catalog-info.yaml?ref=feature%2Fx", "", ""),
		raw("GET /repos/org/repo/contents/catalog-info.yaml?ref=feature%2Fx", "", ""),
	}
	if diff := cmp.Diff(want, e.sent()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

// GitHub Enterprise configured with only a raw base reads raw files.
func TestReadRawBase(t *testing.T) {
	clock := forgetest.NewClock(t0)
	srv := forgetest.NewServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/raw/org/repo/main/catalog-info.yaml" {
			http.NotFound(w, r)
			return
		}
		forgetest.ServeFile(w, r, catalogInfo)
	}))
	r, err := New(Config{Host: "ghe.example.com", RawBaseURL: srv.URL + "/raw", Token: "t"}, forge.NewClient(srv.Client(), ratelimit.NewBudgets(clock), 1<<20))
	if err != nil {
		t.Fatal(err)
	}
	body, _, _, err := r.Read(context.Background(), "https://ghe.example.com/org/repo/blob/main/catalog-info.yaml", "")
	if err != nil || string(body) != catalogInfo {
		t.Fatalf("read = %q, %v", body, err)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Line() != "GET /raw/org/repo/main/catalog-info.yaml" || reqs[0].Header.Get("Authorization") != "Bearer t" {
		t.Errorf("requests = %+v", reqs)
	}
	if _, _, _, err := r.Search(context.Background(), "https://ghe.example.com/org/repo/blob/main/*.yaml", ""); !problem.Is(err, problem.InputError) {
		t.Errorf("search without an API: %v", err)
	}
}

func TestSearch(t *testing.T) {
	e := setup(t, Config{Token: "tok"})
	tree := forgetest.Tree{
		"catalog-info.yaml":                 catalogInfo,
		"services/a/catalog-info.yaml":      "a: 1\n",
		"services/b/catalog-info.yaml":      "b: 1\n",
		"services/b/deep/catalog-info.yaml": "c: 1\n",
		"docs/index.md":                     "# docs\n",
	}
	e.fake.setRepo("org/repo", "main", tree)
	sha := tree.Commit()
	ctx := context.Background()
	u := "https://github.com/org/repo/blob/main/services/*/catalog-info.yaml"

	files, etag, notModified, err := e.r.Search(ctx, u, "")
	if err != nil || notModified || etag != sha {
		t.Fatalf("search = %v, %q, %v, %v", files, etag, notModified, err)
	}
	want := []builtin.SearchFile{
		{URL: "https://github.com/org/repo/blob/main/services/a/catalog-info.yaml", Body: []byte("a: 1\n")},
		{URL: "https://github.com/org/repo/blob/main/services/b/catalog-info.yaml", Body: []byte("b: 1\n")},
	}
	if diff := cmp.Diff(want, files); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	json := "application/vnd.github+json"
	wantSent := []sent{
		{"GET /repos/org/repo/commits/main", "application/vnd.github.sha", "Bearer tok", "", "2022-11-28"},
		{"GET /repos/org/repo/git/trees/" + sha + "?recursive=1", json, "Bearer tok", "", "2022-11-28"},
		raw("GET /repos/org/repo/contents/services/a/catalog-info.yaml?ref="+sha, "Bearer tok", ""),
		raw("GET /repos/org/repo/contents/services/b/catalog-info.yaml?ref="+sha, "Bearer tok", ""),
	}
	if diff := cmp.Diff(wantSent, sortFiles(e.sent())); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}

	// Unchanged branch: one request, not modified.
	files, etag2, notModified, err := e.r.Search(ctx, u, etag)
	if err != nil || !notModified || files != nil || etag2 != etag {
		t.Fatalf("second search = %v, %q, %v, %v", files, etag2, notModified, err)
	}
	if got := len(e.sent()); got != 1 {
		t.Errorf("second search made %d requests, want 1", got)
	}

	// A truncated tree is walked directory by directory where matches may be.
	e.fake.truncate = true
	files, _, _, err = e.r.Search(ctx, u, "")
	if err != nil || len(files) != 2 {
		t.Fatalf("truncated search = %v, %v", files, err)
	}
	var lines []string
	for _, s := range e.sent() {
		lines = append(lines, s.Line)
	}
	wantLines := []string{
		"GET /repos/org/repo/commits/main",
		"GET /repos/org/repo/git/trees/" + sha + "?recursive=1",
		"GET /repos/org/repo/git/trees/" + sha,
		"GET /repos/org/repo/git/trees/" + treeSHA(sha, "services"),
		"GET /repos/org/repo/git/trees/" + treeSHA(sha, "services/a"),
		"GET /repos/org/repo/git/trees/" + treeSHA(sha, "services/b"),
		"GET /repos/org/repo/contents/services/a/catalog-info.yaml?ref=" + sha,
		"GET /repos/org/repo/contents/services/b/catalog-info.yaml?ref=" + sha,
	}
	if diff := cmp.Diff(wantLines, sortTail(lines, 6)); diff != "" {
		t.Errorf("truncated search requests (-want +got):\n%s", diff)
	}

	// An unknown branch is not found.
	_, _, _, err = e.r.Search(ctx, "https://github.com/org/repo/blob/nope/*.yaml", "")
	if !problem.Is(err, problem.NotFoundError) {
		t.Errorf("unknown branch: %v", err)
	}
}

// sortFiles sorts the file reads of a search, which run concurrently.
func sortFiles(s []sent) []sent {
	out := append([]sent(nil), s...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && strings.Contains(out[j].Line, "/contents/") && strings.Contains(out[j-1].Line, "/contents/") && out[j].Line < out[j-1].Line; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// sortTail sorts the lines from index i on.
func sortTail(lines []string, i int) []string {
	out := append([]string(nil), lines...)
	tail := out[min(i, len(out)):]
	for a := 1; a < len(tail); a++ {
		for b := a; b > 0 && tail[b] < tail[b-1]; b-- {
			tail[b], tail[b-1] = tail[b-1], tail[b]
		}
	}
	return out
}

// A token the forge refuses is an error that is not "not found", so the
// catalog keeps what it has.
func TestReadRefused(t *testing.T) {
	e := setup(t, Config{Token: "wrong"})
	e.fake.token = "right"
	e.fake.setRepo("org/repo", "main", forgetest.Tree{"x.yaml": "x"})
	_, _, _, err := e.r.Read(context.Background(), "https://github.com/org/repo/blob/main/x.yaml", "")
	if err == nil || problem.Is(err, problem.NotFoundError) || !strings.Contains(err.Error(), "401 Unauthorized") {
		t.Errorf("refused read: %v", err)
	}
}

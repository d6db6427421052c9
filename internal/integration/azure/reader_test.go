package azure

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
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

// fakeAzure follows the Azure DevOps Git REST API (7.1) for the endpoints
// the reader uses: items (a file's content as an octet stream with ETag
// and 304, or a recursive listing with scopePath), commits (top one of a
// version), and Entra ID's client-credentials token endpoint. It checks
// Authorization per organization.
type fakeAzure struct {
	mu sync.Mutex
	// auth is the accepted Authorization per organization; missing means
	// anonymous access is allowed.
	auth  map[string]string
	repos map[string]map[string]forgetest.Tree // org/project/repo → branch → files; "main" is the default
	// Entra ID: the client secret expected, the tokens issued.
	secret string
	issued int
	fail   func(w http.ResponseWriter) bool
}

func (a *fakeAzure) errorAnswer(w http.ResponseWriter, status int, msg string) {
	b, _ := json.Marshal(map[string]any{"$id": "1", "message": msg, "typeKey": "GitItemNotFoundException"})
	forgetest.JSON(w, status, string(b))
}

func (a *fakeAzure) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.fail != nil && a.fail(w) {
		return
	}
	segs := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if len(segs) == 4 && segs[1] == "oauth2" && r.Method == http.MethodPost {
		a.token(w, r)
		return
	}
	if len(segs) != 7 || segs[2] != "_apis" || segs[3] != "git" || segs[4] != "repositories" {
		a.errorAnswer(w, http.StatusNotFound, "not found")
		return
	}
	if want, ok := a.auth[segs[0]]; ok && r.Header.Get("Authorization") != want {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	branches := a.repos[segs[0]+"/"+segs[1]+"/"+segs[5]]
	q := r.URL.Query()
	if q.Get("api-version") != "7.1" {
		a.errorAnswer(w, http.StatusBadRequest, "api-version")
		return
	}
	switch segs[6] {
	case "commits":
		tree, ok := a.version(branches, q.Get("searchCriteria.itemVersion.version"), q.Get("searchCriteria.itemVersion.versionType"))
		if !ok || q.Get("searchCriteria.$top") != "1" {
			a.errorAnswer(w, http.StatusNotFound, "TF401175: The version descriptor could not be resolved to a version in the repository.")
			return
		}
		forgetest.JSON(w, http.StatusOK, `{"count":1,"value":[{"commitId":"`+tree.Commit()+`"}]}`)
	case "items":
		tree, ok := a.version(branches, q.Get("versionDescriptor.version"), q.Get("versionDescriptor.versionType"))
		if !ok {
			a.errorAnswer(w, http.StatusNotFound, "TF401175: version not found")
			return
		}
		if scope := q.Get("scopePath"); scope != "" {
			a.list(w, tree, scope, q.Get("recursionLevel"))
			return
		}
		content, ok := tree[strings.TrimPrefix(q.Get("path"), "/")]
		if !ok || q.Get("$format") != "octetStream" {
			a.errorAnswer(w, http.StatusNotFound, "TF401174: The item '"+q.Get("path")+"' could not be found in the repository.")
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		forgetest.ServeFile(w, r, content)
	default:
		a.errorAnswer(w, http.StatusNotFound, "not found")
	}
}

func (a *fakeAzure) version(branches map[string]forgetest.Tree, v, typ string) (forgetest.Tree, bool) {
	if v == "" {
		v, typ = "main", "branch"
	}
	if typ == "commit" {
		for _, t := range branches {
			if t.Commit() == v {
				return t, true
			}
		}
		return nil, false
	}
	t, ok := branches[v]
	return t, ok && typ == "branch"
}

func (a *fakeAzure) list(w http.ResponseWriter, tree forgetest.Tree, scope, recursion string) {
	type item struct {
		ObjectID      string `json:"objectId"`
		GitObjectType string `json:"gitObjectType"`
		CommitID      string `json:"commitId"`
		Path          string `json:"path"`
		IsFolder      bool   `json:"isFolder,omitempty"`
	}
	dir := strings.Trim(scope, "/")
	if dir != "" && !slices.Contains(tree.Dirs(), dir) {
		a.errorAnswer(w, http.StatusNotFound, "TF401174: The item '"+scope+"' could not be found in the repository.")
		return
	}
	items := []item{{GitObjectType: "tree", CommitID: tree.Commit(), Path: "/" + dir, IsFolder: true}}
	under := func(p string) bool { return dir == "" || strings.HasPrefix(p, dir+"/") }
	for _, d := range tree.Dirs() {
		if under(d) && recursion == "Full" {
			items = append(items, item{GitObjectType: "tree", CommitID: tree.Commit(), Path: "/" + d, IsFolder: true})
		}
	}
	for _, p := range tree.Paths() {
		if under(p) && recursion == "Full" {
			items = append(items, item{ObjectID: forgetest.BlobSHA(tree[p]), GitObjectType: "blob", CommitID: tree.Commit(), Path: "/" + p})
		}
	}
	b, _ := json.Marshal(map[string]any{"count": len(items), "value": items})
	forgetest.JSON(w, http.StatusOK, string(b))
}

func (a *fakeAzure) token(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	form := r.PostForm
	if form.Get("grant_type") != "client_credentials" || form.Get("client_secret") != a.secret || form.Get("scope") != devOpsScope {
		forgetest.JSON(w, http.StatusUnauthorized, `{"error":"invalid_client"}`)
		return
	}
	a.issued++
	forgetest.JSON(w, http.StatusOK, fmt.Sprintf(`{"token_type":"Bearer","expires_in":3599,"access_token":"entra-%d"}`, a.issued))
}

type env struct {
	r     *Reader
	fake  *fakeAzure
	srv   *forgetest.Server
	clock *forgetest.Clock
	base  string // http://<host>
}

func setup(t *testing.T, cfg Config) *env {
	t.Helper()
	clock := forgetest.NewClock(t0)
	fake := &fakeAzure{auth: map[string]string{}, repos: map[string]map[string]forgetest.Tree{}}
	srv := forgetest.NewServer(t, fake)
	u, _ := url.Parse(srv.URL)
	cfg.Host = u.Host
	cfg.AuthorityHost = srv.URL
	r, err := New(cfg, forge.NewClient(srv.Client(), ratelimit.NewBudgets(clock), 1<<20))
	if err != nil {
		t.Fatal(err)
	}
	return &env{r: r, fake: fake, srv: srv, clock: clock, base: srv.URL}
}

type sent struct{ Line, Auth, INM string }

func (e *env) sent() []sent {
	var out []sent
	for _, r := range e.srv.Requests() {
		out = append(out, sent{r.Line(), r.Header.Get("Authorization"), r.Header.Get("If-None-Match")})
	}
	return out
}

func TestParseURL(t *testing.T) {
	r, err := New(Config{}, forge.NewClient(nil, nil, 1))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in                                            string
		owner, project, repo, path, version, verstype string
	}{
		{"https://dev.azure.com/org/project/_git/repo?path=/catalog-info.yaml&version=GBmain", "org", "project", "repo", "/catalog-info.yaml", "main", "branch"},
		{"https://dev.azure.com/org/_git/repo?path=%2Fdir%2Fx.yaml", "org", "repo", "repo", "/dir/x.yaml", "", ""},
		{"https://dev.azure.com/org/project/_git/repo?path=x.yaml&version=GTv1.0", "org", "project", "repo", "/x.yaml", "v1.0", "tag"},
		{"https://dev.azure.com/coll/org/My%20Project/_git/repo?path=/x.yaml&version=GCabc123", "coll/org", "My Project", "repo", "/x.yaml", "abc123", "commit"},
		{"https://dev.azure.com/org/project/_git/repo?path=/**/catalog-info.yaml&version=GBfeature/x", "org", "project", "repo", "/**/catalog-info.yaml", "feature/x", "branch"},
	}
	for _, tt := range tests {
		f, err := r.parseURL(tt.in)
		if err != nil {
			t.Errorf("parseURL(%q): %v", tt.in, err)
			continue
		}
		got := []string{f.Owner, f.Project, f.Repo, f.Path, f.Version, f.VersionType}
		if diff := cmp.Diff([]string{tt.owner, tt.project, tt.repo, tt.path, tt.version, tt.verstype}, got); diff != "" {
			t.Errorf("parseURL(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
	for _, bad := range []string{
		"https://dev.azure.com/org/project",
		"https://dev.azure.com/org/project/_git/repo/pullrequests",
		"https://dev.azure.com/org/project/_git/repo?path=/x&version=XXmain",
		"https://example.com/org/project/_git/repo?path=/x",
	} {
		if _, err := r.parseURL(bad); !problem.Is(err, problem.InputError) {
			t.Errorf("parseURL(%q) = %v, want an InputError", bad, err)
		}
	}
}

func TestConfig(t *testing.T) {
	got, err := Config{Token: "pat"}.WithDefaults()
	if err != nil || got.Host != "dev.azure.com" || len(got.Credentials) != 1 || got.Credentials[0].PersonalAccessToken != "pat" {
		t.Errorf("token = %+v, %v", got, err)
	}
	for _, tt := range []struct {
		cfg  Config
		want string
	}{
		{Config{Credentials: []Credential{{}}}, "credentials[0]: personalAccessToken or clientId is required"},
		{Config{Credentials: []Credential{{ClientID: "c"}}}, "credentials[0]: managed identities are not supported; use a personal access token or a service principal (clientId, clientSecret, tenantId)"},
		{Config{Credentials: []Credential{{ClientID: "c", ClientSecret: "s"}}}, "credentials[0]: a service principal needs clientId, clientSecret and tenantId"},
		{Config{Token: "x", Credentials: []Credential{{PersonalAccessToken: "y"}}}, "token and credentials cannot both be set"},
	} {
		if _, err := tt.cfg.WithDefaults(); err == nil || err.Error() != tt.want {
			t.Errorf("%+v: %v, want %q", tt.cfg, err, tt.want)
		}
	}
}

func TestRead(t *testing.T) {
	e := setup(t, Config{Credentials: []Credential{
		{Organizations: []string{"Org"}, PersonalAccessToken: "pat-org"},
		{PersonalAccessToken: "pat-default"},
	}})
	e.fake.auth["org"] = patAuthorization("pat-org")
	e.fake.auth["other"] = patAuthorization("pat-default")
	e.fake.repos["org/project/repo"] = map[string]forgetest.Tree{"main": {"catalog-info.yaml": "a\n"}, "feature/x": {"catalog-info.yaml": "x\n"}}
	e.fake.repos["other/project/repo"] = map[string]forgetest.Tree{"main": {"catalog-info.yaml": "o\n"}}
	ctx := context.Background()
	u := e.base + "/org/project/_git/repo?path=/catalog-info.yaml&version=GBmain"
	body, etag, _, err := e.r.Read(ctx, u, "")
	if err != nil || string(body) != "a\n" {
		t.Fatalf("read = %q, %v", body, err)
	}
	if _, _, notModified, err := e.r.Read(ctx, u, etag); err != nil || !notModified {
		t.Fatalf("conditional read: %v, %v", notModified, err)
	}
	if body, _, _, err := e.r.Read(ctx, e.base+"/org/project/_git/repo?path=/catalog-info.yaml&version=GBfeature/x", ""); err != nil || string(body) != "x\n" {
		t.Fatalf("branch with a slash = %q, %v", body, err)
	}
	if body, _, _, err := e.r.Read(ctx, e.base+"/other/project/_git/repo?path=/catalog-info.yaml", ""); err != nil || string(body) != "o\n" {
		t.Fatalf("default credential, default branch = %q, %v", body, err)
	}
	if _, _, _, err := e.r.Read(ctx, e.base+"/org/project/_git/repo?path=/nope.yaml", ""); !problem.Is(err, problem.NotFoundError) {
		t.Errorf("missing file: %v", err)
	}
	items := "GET /%s/project/_apis/git/repositories/repo/items?%%24format=octetStream&api-version=7.1&path=%%2F%s"
	vd := "&versionDescriptor.version=%s&versionDescriptor.versionType=branch"
	org, other := patAuthorization("pat-org"), patAuthorization("pat-default")
	want := []sent{
		{fmt.Sprintf(items, "org", "catalog-info.yaml") + fmt.Sprintf(vd, "main"), org, ""},
		{fmt.Sprintf(items, "org", "catalog-info.yaml") + fmt.Sprintf(vd, "main"), org, forgetest.ETag("a\n")},
		{fmt.Sprintf(items, "org", "catalog-info.yaml") + fmt.Sprintf(vd, "feature%2Fx"), org, ""},
		{fmt.Sprintf(items, "other", "catalog-info.yaml"), other, ""},
		{fmt.Sprintf(items, "org", "nope.yaml"), org, ""},
	}
	if diff := cmp.Diff(want, e.sent()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

// A service principal's Entra ID token is fetched once and renewed near
// its expiry.
func TestServicePrincipal(t *testing.T) {
	e := setup(t, Config{Credentials: []Credential{{ClientID: "cid", ClientSecret: "csecret", TenantID: "tenant"}}})
	e.fake.secret = "csecret"
	e.fake.repos["org/project/repo"] = map[string]forgetest.Tree{"main": {"x.yaml": "x"}}
	ctx := context.Background()
	u := e.base + "/org/project/_git/repo?path=/x.yaml"
	for range 2 {
		if _, _, _, err := e.r.Read(ctx, u, ""); err != nil {
			t.Fatal(err)
		}
	}
	e.clock.Advance(56 * time.Minute)
	if _, _, _, err := e.r.Read(ctx, u, ""); err != nil {
		t.Fatal(err)
	}
	reqs := e.srv.Requests()
	var got []sent
	for _, r := range reqs {
		got = append(got, sent{r.Line(), r.Header.Get("Authorization"), r.Body})
	}
	item := "GET /org/project/_apis/git/repositories/repo/items?%24format=octetStream&api-version=7.1&path=%2Fx.yaml"
	form := "client_id=cid&client_secret=csecret&grant_type=client_credentials&scope=499b84ac-1321-427f-aa17-267ca6975798%2F.default"
	want := []sent{
		{"POST /tenant/oauth2/v2.0/token", "", form},
		{item, "Bearer entra-1", ""},
		{item, "Bearer entra-1", ""},
		{"POST /tenant/oauth2/v2.0/token", "", form},
		{item, "Bearer entra-2", ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestSearch(t *testing.T) {
	e := setup(t, Config{Token: "pat"})
	e.fake.auth["org"] = patAuthorization("pat")
	tree := forgetest.Tree{"catalog-info.yaml": "root\n", "services/a/catalog-info.yaml": "a\n", "services/b/catalog-info.yaml": "b\n", "services/b/x.md": "x"}
	e.fake.repos["org/project/repo"] = map[string]forgetest.Tree{"main": tree}
	sha := tree.Commit()
	ctx := context.Background()
	u := e.base + "/org/project/_git/repo?path=/services/*/catalog-info.yaml&version=GBmain"
	files, etag, notModified, err := e.r.Search(ctx, u, "")
	if err != nil || notModified || etag != sha {
		t.Fatalf("search = %v, %q, %v, %v", files, etag, notModified, err)
	}
	want := []builtin.SearchFile{
		{URL: e.base + "/org/project/_git/repo?path=%2Fservices%2Fa%2Fcatalog-info.yaml&version=GBmain", Body: []byte("a\n")},
		{URL: e.base + "/org/project/_git/repo?path=%2Fservices%2Fb%2Fcatalog-info.yaml&version=GBmain", Body: []byte("b\n")},
	}
	if diff := cmp.Diff(want, files); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	api := "GET /org/project/_apis/git/repositories/repo/"
	wantLines := []string{
		api + "commits?api-version=7.1&searchCriteria.%24top=1&searchCriteria.itemVersion.version=main&searchCriteria.itemVersion.versionType=branch",
		api + "items?%24format=octetStream&api-version=7.1&path=%2Fservices%2Fa%2Fcatalog-info.yaml&versionDescriptor.version=" + sha + "&versionDescriptor.versionType=commit",
		api + "items?%24format=octetStream&api-version=7.1&path=%2Fservices%2Fb%2Fcatalog-info.yaml&versionDescriptor.version=" + sha + "&versionDescriptor.versionType=commit",
		api + "items?api-version=7.1&recursionLevel=Full&scopePath=%2Fservices&versionDescriptor.version=" + sha + "&versionDescriptor.versionType=commit",
	}
	if diff := cmp.Diff(wantLines, e.srv.Lines()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if _, _, notModified, err := e.r.Search(ctx, u, etag); err != nil || !notModified {
		t.Errorf("unchanged search: %v, %v", notModified, err)
	}
	if got := len(e.srv.Requests()); got != 1 {
		t.Errorf("unchanged search made %d requests, want 1", got)
	}
	files, _, _, err = e.r.Search(ctx, e.base+"/org/project/_git/repo?path=/none/*.yaml", "")
	if err != nil || len(files) != 0 {
		t.Errorf("missing directory: %v, %v", files, err)
	}
	if _, _, _, err := e.r.Search(ctx, e.base+"/org/project/_git/repo?path=/*.yaml&version=GBnope", ""); !problem.Is(err, problem.NotFoundError) {
		t.Errorf("unknown branch: %v", err)
	}
}

// Azure DevOps delays requests with Retry-After (429, or 503 while it is
// throttling); the reader waits.
func TestThrottled(t *testing.T) {
	e := setup(t, Config{})
	e.fake.repos["org/project/repo"] = map[string]forgetest.Tree{"main": {"x.yaml": "x"}}
	e.fake.fail = forgetest.FailFirst(1, func(w http.ResponseWriter) {
		w.Header().Set("Retry-After", "9")
		w.Header().Set("X-RateLimit-Resource", "Core")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	if _, _, _, err := e.r.Read(context.Background(), e.base+"/org/project/_git/repo?path=/x.yaml", ""); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]time.Duration{9 * time.Second}, e.clock.Slept()); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
}

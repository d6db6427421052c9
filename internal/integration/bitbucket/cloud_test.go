package bitbucket

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
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

// fakeCloud follows the Bitbucket Cloud REST API 2.0 for the endpoints the
// reader uses: src (a file's raw content with ETag and 304, or a paginated
// directory listing when the path ends in "/"), commit, and
// refs/branches; it checks the Authorization header.
type fakeCloud struct {
	mu    sync.Mutex
	auth  string
	repos map[string]map[string]forgetest.Tree // workspace/repo → branch → files
	fail  func(w http.ResponseWriter) bool
	base  string // the server URL, for "next" links
}

func (c *fakeCloud) errorAnswer(w http.ResponseWriter, status int, msg string) {
	b, _ := json.Marshal(map[string]any{"type": "error", "error": map[string]string{"message": msg}})
	forgetest.JSON(w, status, string(b))
}

func (c *fakeCloud) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail != nil && c.fail(w) {
		return
	}
	if r.Header.Get("Authorization") != c.auth {
		c.errorAnswer(w, http.StatusUnauthorized, "Unauthorized")
		return
	}
	segs, ok := forgetest.PathBelow(r, "/2.0/repositories/")
	if !ok {
		c.errorAnswer(w, http.StatusNotFound, "Resource not found")
		return
	}
	if len(segs) < 4 {
		c.errorAnswer(w, http.StatusNotFound, "Resource not found")
		return
	}
	branches := c.repos[segs[0]+"/"+segs[1]]
	tree, ok := c.at(branches, segs[3])
	switch {
	case branches == nil:
		c.errorAnswer(w, http.StatusNotFound, "Repository "+segs[0]+"/"+segs[1]+" not found")
	case segs[2] == "refs" && len(segs) == 5 && segs[3] == "branches":
		t, ok := branches[segs[4]]
		if !ok {
			c.errorAnswer(w, http.StatusNotFound, "Branch not found")
			return
		}
		b, _ := json.Marshal(map[string]any{"name": segs[4], "target": map[string]string{"hash": t.Commit()}})
		forgetest.JSON(w, http.StatusOK, string(b))
	case !ok:
		c.errorAnswer(w, http.StatusNotFound, "Commit not found")
	case segs[2] == "commit" && len(segs) == 4:
		forgetest.JSON(w, http.StatusOK, `{"hash":"`+tree.Commit()+`","type":"commit"}`)
	case segs[2] == "src":
		path := strings.Join(segs[4:], "/")
		if path == "" || strings.HasSuffix(path, "/") {
			c.listing(w, r, segs, tree, strings.TrimSuffix(path, "/"))
			return
		}
		content, ok := tree[path]
		if !ok {
			c.errorAnswer(w, http.StatusNotFound, "No such file or directory: "+path)
			return
		}
		forgetest.ServeFile(w, r, content)
	default:
		c.errorAnswer(w, http.StatusNotFound, "Resource not found")
	}
}

func (c *fakeCloud) at(branches map[string]forgetest.Tree, rev string) (forgetest.Tree, bool) {
	if t, ok := branches[rev]; ok {
		return t, true
	}
	for _, t := range branches {
		if t.Commit() == rev {
			return t, true
		}
	}
	return nil, false
}

func (c *fakeCloud) listing(w http.ResponseWriter, r *http.Request, segs []string, tree forgetest.Tree, dir string) {
	type entry struct {
		Path string `json:"path"`
		Type string `json:"type"`
	}
	var all []entry
	child := func(p string) bool {
		rel := p
		if dir != "" {
			var ok bool
			if rel, ok = strings.CutPrefix(p, dir+"/"); !ok {
				return false
			}
		}
		return !strings.Contains(rel, "/")
	}
	for _, d := range tree.Dirs() {
		if child(d) {
			all = append(all, entry{d, "commit_directory"})
		}
	}
	for _, p := range tree.Paths() {
		if child(p) {
			all = append(all, entry{p, "commit_file"})
		}
	}
	if dir != "" && !slices.Contains(tree.Dirs(), dir) {
		c.errorAnswer(w, http.StatusNotFound, "No such file or directory: "+dir)
		return
	}
	pagelen, _ := strconv.Atoi(r.URL.Query().Get("pagelen"))
	if pagelen <= 0 {
		pagelen = 10
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	if page <= 0 {
		page = 1
	}
	lo, hi := min((page-1)*pagelen, len(all)), min(page*pagelen, len(all))
	answer := map[string]any{"values": all[lo:hi], "pagelen": pagelen, "page": page}
	if hi < len(all) {
		answer["next"] = c.base + r.URL.Path + "?pagelen=" + strconv.Itoa(pagelen) + "&page=" + strconv.Itoa(page+1)
	}
	b, _ := json.Marshal(answer)
	forgetest.JSON(w, http.StatusOK, string(b))
}

type cloudEnv struct {
	r     *CloudReader
	fake  *fakeCloud
	srv   *forgetest.Server
	clock *forgetest.Clock
}

func setupCloud(t *testing.T, cfg CloudConfig) *cloudEnv {
	t.Helper()
	clock := forgetest.NewClock(t0)
	fake := &fakeCloud{repos: map[string]map[string]forgetest.Tree{}}
	fake.auth, _ = cfg.authorization()
	srv := forgetest.NewServer(t, fake)
	fake.base = srv.URL
	cfg.APIBaseURL = srv.URL + "/2.0"
	r, err := NewCloud(cfg, forge.NewClient(srv.Client(), ratelimit.NewBudgets(clock), 1<<20))
	if err != nil {
		t.Fatal(err)
	}
	return &cloudEnv{r: r, fake: fake, srv: srv, clock: clock}
}

type sent struct{ Line, Auth, INM string }

func sentBy(srv *forgetest.Server) []sent {
	var out []sent
	for _, r := range srv.Requests() {
		out = append(out, sent{r.Line(), r.Header.Get("Authorization"), r.Header.Get("If-None-Match")})
	}
	return out
}

func TestCloudAuthorization(t *testing.T) {
	tests := []struct {
		cfg  CloudConfig
		want string
	}{
		{CloudConfig{Username: "u", AppPassword: "p"}, "Basic dTpw"},
		{CloudConfig{Username: "me@example.com", Token: "t"}, "Basic bWVAZXhhbXBsZS5jb206dA=="},
		{CloudConfig{Token: "t"}, "Bearer t"},
		{CloudConfig{}, ""},
	}
	for _, tt := range tests {
		if got, _ := tt.cfg.authorization(); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.cfg, got, tt.want)
		}
	}
	anon, _ := NewCloud(CloudConfig{}, forge.NewClient(nil, nil, 1))
	withToken, _ := NewCloud(CloudConfig{Token: "t"}, forge.NewClient(nil, nil, 1))
	if anon.cred.Budget.Limit() != (ratelimit.Limit{Requests: 60, Period: time.Hour}) || withToken.cred.Budget.Limit() != (ratelimit.Limit{Requests: 1000, Period: time.Hour}) {
		t.Errorf("default budgets: anonymous %+v, token %+v", anon.cred.Budget.Limit(), withToken.cred.Budget.Limit())
	}
	for _, bad := range []CloudConfig{{Username: "u"}, {AppPassword: "p"}} {
		if _, err := bad.WithDefaults(); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

func TestCloudRead(t *testing.T) {
	e := setupCloud(t, CloudConfig{Username: "u", AppPassword: "p"})
	main := forgetest.Tree{"catalog-info.yaml": "a: 1\n", "dir/b c.yaml": "b: 1\n"}
	feature := forgetest.Tree{"x.yaml": "x: 1\n"}
	e.fake.repos["ws/repo"] = map[string]forgetest.Tree{"main": main, "feature/x": feature}
	ctx := context.Background()
	u := "https://bitbucket.org/ws/repo/src/main/catalog-info.yaml"
	body, etag, _, err := e.r.Read(ctx, u, "")
	if err != nil || string(body) != "a: 1\n" {
		t.Fatalf("read = %q, %v", body, err)
	}
	if _, _, notModified, err := e.r.Read(ctx, u, etag); err != nil || !notModified {
		t.Fatalf("conditional read: %v, %v", notModified, err)
	}
	if body, _, _, err := e.r.Read(ctx, "https://bitbucket.org/ws/repo/raw/main/dir/b%20c.yaml", ""); err != nil || string(body) != "b: 1\n" {
		t.Fatalf("raw URL = %q, %v", body, err)
	}
	if body, _, _, err := e.r.Read(ctx, "https://bitbucket.org/ws/repo/src/feature/x/x.yaml", ""); err != nil || string(body) != "x: 1\n" {
		t.Fatalf("branch with a slash = %q, %v", body, err)
	}
	if _, _, _, err := e.r.Read(ctx, "https://bitbucket.org/ws/repo/src/main/nope.yaml", ""); !problem.Is(err, problem.NotFoundError) {
		t.Errorf("missing file: %v", err)
	}
	auth := "Basic dTpw"
	want := []sent{
		{"GET /2.0/repositories/ws/repo/src/main/catalog-info.yaml", auth, ""},
		{"GET /2.0/repositories/ws/repo/src/main/catalog-info.yaml", auth, forgetest.ETag("a: 1\n")},
		{"GET /2.0/repositories/ws/repo/src/main/dir/b%20c.yaml", auth, ""},
		{"GET /2.0/repositories/ws/repo/src/feature/x/x.yaml", auth, ""},
		{"GET /2.0/repositories/ws/repo/refs/branches/feature%2Fx", auth, ""},
		{"GET /2.0/repositories/ws/repo/src/" + feature.Commit() + "/x.yaml", auth, ""},
		{"GET /2.0/repositories/ws/repo/src/main/nope.yaml", auth, ""},
	}
	if diff := cmp.Diff(want, sentBy(e.srv)); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"https://bitbucket.org/ws/repo", "https://bitbucket.org/ws/repo/commits/abc", "https://example.com/ws/repo/src/main/x"} {
		if _, _, _, err := e.r.Read(ctx, bad, ""); !problem.Is(err, problem.InputError) {
			t.Errorf("Read(%q) = %v, want an InputError", bad, err)
		}
	}
}

func TestCloudSearch(t *testing.T) {
	e := setupCloud(t, CloudConfig{Token: "tok"})
	tree := forgetest.Tree{"catalog-info.yaml": "root\n", "docs/a.md": "a"}
	for _, s := range []string{"a", "b", "c"} {
		tree["services/"+s+"/catalog-info.yaml"] = s + "\n"
		tree["services/"+s+"/deep/catalog-info.yaml"] = "deep\n"
	}
	e.fake.repos["ws/repo"] = map[string]forgetest.Tree{"main": tree}
	sha := tree.Commit()
	ctx := context.Background()
	u := "https://bitbucket.org/ws/repo/src/main/services/*/catalog-info.yaml"
	files, etag, notModified, err := e.r.Search(ctx, u, "")
	if err != nil || notModified || etag != sha {
		t.Fatalf("search = %v, %q, %v, %v", files, etag, notModified, err)
	}
	want := []builtin.SearchFile{
		{URL: "https://bitbucket.org/ws/repo/src/main/services/a/catalog-info.yaml", Body: []byte("a\n")},
		{URL: "https://bitbucket.org/ws/repo/src/main/services/b/catalog-info.yaml", Body: []byte("b\n")},
		{URL: "https://bitbucket.org/ws/repo/src/main/services/c/catalog-info.yaml", Body: []byte("c\n")},
	}
	if diff := cmp.Diff(want, files); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	api := "GET /2.0/repositories/ws/repo/"
	wantLines := []string{
		api + "commit/main",
		api + "src/" + sha + "/services/?pagelen=100",
		api + "src/" + sha + "/services/a/?pagelen=100",
		api + "src/" + sha + "/services/a/catalog-info.yaml",
		api + "src/" + sha + "/services/b/?pagelen=100",
		api + "src/" + sha + "/services/b/catalog-info.yaml",
		api + "src/" + sha + "/services/c/?pagelen=100",
		api + "src/" + sha + "/services/c/catalog-info.yaml",
	}
	if diff := cmp.Diff(wantLines, e.srv.Lines()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if _, _, notModified, err := e.r.Search(ctx, u, etag); err != nil || !notModified {
		t.Errorf("unchanged search: %v, %v", notModified, err)
	}
	if diff := cmp.Diff([]sent{{api + "commit/main", "Bearer tok", ""}}, sentBy(e.srv)); diff != "" {
		t.Errorf("unchanged search requests (-want +got):\n%s", diff)
	}
}

// A directory longer than one page is followed through "next".
func TestCloudSearchPages(t *testing.T) {
	e := setupCloud(t, CloudConfig{RateLimit: ratelimit.Config{Requests: 1000}})
	tree := forgetest.Tree{}
	for i := range 230 {
		tree["c/"+strconv.Itoa(1000+i)+".yaml"] = "x"
	}
	e.fake.repos["ws/repo"] = map[string]forgetest.Tree{"main": tree}
	files, _, _, err := e.r.Search(context.Background(), "https://bitbucket.org/ws/repo/src/main/**/*.yaml", "")
	if err != nil || len(files) != 230 {
		t.Fatalf("search = %d files, %v", len(files), err)
	}
	sha := tree.Commit()
	lines := e.srv.Lines()
	for _, want := range []string{
		"GET /2.0/repositories/ws/repo/src/" + sha + "/?pagelen=100",
		"GET /2.0/repositories/ws/repo/src/" + sha + "/c/?pagelen=100",
		"GET /2.0/repositories/ws/repo/src/" + sha + "/c/?pagelen=100&page=2",
		"GET /2.0/repositories/ws/repo/src/" + sha + "/c/?pagelen=100&page=3",
	} {
		if !slices.Contains(lines, want) {
			t.Errorf("missing request %s", want)
		}
	}
}

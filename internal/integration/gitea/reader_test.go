package gitea

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
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

// fakeGitea follows Gitea's REST API v1 for the endpoints the reader uses:
// raw files (ETag, 304), commits (sha, limit) and git trees (recursive,
// paged, "truncated" while pages remain); it checks basic authentication.
type fakeGitea struct {
	mu    sync.Mutex
	auth  string
	repos map[string]map[string]forgetest.Tree // owner/repo → ref → files
	fail  func(w http.ResponseWriter) bool
}

func (g *fakeGitea) message(w http.ResponseWriter, status int, msg string) {
	b, _ := json.Marshal(map[string]string{"message": msg, "url": "https://gitea.example.com/api/swagger"})
	forgetest.JSON(w, status, string(b))
}

func (g *fakeGitea) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.fail != nil && g.fail(w) {
		return
	}
	if r.Header.Get("Authorization") != g.auth {
		g.message(w, http.StatusUnauthorized, "user does not exist")
		return
	}
	segs, ok := forgetest.PathBelow(r, "/api/v1/repos/")
	if !ok || len(segs) < 3 {
		g.message(w, http.StatusNotFound, "not found")
		return
	}
	refs := g.repos[segs[0]+"/"+segs[1]]
	q := r.URL.Query()
	switch {
	case segs[2] == "raw":
		tree, ok := g.at(refs, q.Get("ref"))
		content, found := tree[strings.Join(segs[3:], "/")]
		if !ok || !found {
			g.message(w, http.StatusNotFound, "object does not exist")
			return
		}
		forgetest.ServeFile(w, r, content)
	case segs[2] == "commits" && len(segs) == 3:
		tree, ok := g.at(refs, q.Get("sha"))
		if !ok || q.Get("limit") != "1" {
			g.message(w, http.StatusNotFound, "object does not exist")
			return
		}
		forgetest.JSON(w, http.StatusOK, `[{"sha":"`+tree.Commit()+`","commit":{"message":"m"}}]`)
	case segs[2] == "git" && len(segs) == 5 && segs[3] == "trees":
		tree, ok := g.at(refs, segs[4])
		if !ok {
			g.message(w, http.StatusNotFound, "sha not found")
			return
		}
		type entry struct {
			Path string `json:"path"`
			Type string `json:"type"`
			SHA  string `json:"sha"`
		}
		var all []entry
		for _, d := range tree.Dirs() {
			all = append(all, entry{d, "tree", ""})
		}
		for _, p := range tree.Paths() {
			all = append(all, entry{p, "blob", forgetest.BlobSHA(tree[p])})
		}
		slices.SortFunc(all, func(a, b entry) int { return strings.Compare(a.Path, b.Path) })
		per, _ := strconv.Atoi(q.Get("per_page"))
		page, _ := strconv.Atoi(q.Get("page"))
		lo, hi := min((page-1)*per, len(all)), min(page*per, len(all))
		b, _ := json.Marshal(map[string]any{"sha": segs[4], "tree": all[lo:hi], "truncated": hi < len(all), "page": page, "total_count": len(all)})
		forgetest.JSON(w, http.StatusOK, string(b))
	default:
		g.message(w, http.StatusNotFound, "not found")
	}
}

func (g *fakeGitea) at(refs map[string]forgetest.Tree, ref string) (forgetest.Tree, bool) {
	if t, ok := refs[ref]; ok {
		return t, true
	}
	for _, t := range refs {
		if t.Commit() == ref {
			return t, true
		}
	}
	return nil, false
}

type env struct {
	r     *Reader
	fake  *fakeGitea
	srv   *forgetest.Server
	clock *forgetest.Clock
}

func setup(t *testing.T, cfg Config) *env {
	t.Helper()
	clock := forgetest.NewClock(t0)
	fake := &fakeGitea{repos: map[string]map[string]forgetest.Tree{}}
	srv := forgetest.NewServer(t, fake)
	u, _ := url.Parse(srv.URL)
	cfg.Host, cfg.BaseURL = u.Host, srv.URL
	r, err := New(cfg, forge.NewClient(srv.Client(), ratelimit.NewBudgets(clock), 1<<20))
	if err != nil {
		t.Fatal(err)
	}
	fake.auth = r.cfg.authorization()
	return &env{r: r, fake: fake, srv: srv, clock: clock}
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
	r, err := New(Config{Host: "gitea.example.com", BaseURL: "https://gitea.example.com/git"}, forge.NewClient(nil, nil, 1))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in   string
		want fileURL
	}{
		{"https://gitea.example.com/git/org/repo/src/branch/main/catalog-info.yaml", fileURL{"org", "repo", "branch", []string{"main", "catalog-info.yaml"}}},
		{"https://gitea.example.com/git/org/repo/raw/tag/v1/a%20b.yaml", fileURL{"org", "repo", "tag", []string{"v1", "a b.yaml"}}},
		{"https://gitea.example.com/git/org/repo/src/commit/abc/x/y.yaml", fileURL{"org", "repo", "commit", []string{"abc", "x", "y.yaml"}}},
	}
	for _, tt := range tests {
		got, err := r.parseURL(tt.in)
		if err != nil {
			t.Errorf("parseURL(%q): %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("parseURL(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
	for _, bad := range []string{
		"https://gitea.example.com/git/org/repo",
		"https://gitea.example.com/git/org/repo/src/main/x.yaml",
		"https://gitea.example.com/org/repo/src/branch/main/x.yaml",
		"https://other.example.com/git/org/repo/src/branch/main/x.yaml",
	} {
		if _, err := r.parseURL(bad); !problem.Is(err, problem.InputError) {
			t.Errorf("parseURL(%q) = %v, want an InputError", bad, err)
		}
	}
	for _, bad := range []Config{{}, {Host: "h", Password: "p"}, {Host: "h", BaseURL: "x"}} {
		if _, err := bad.WithDefaults(); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

func TestRead(t *testing.T) {
	e := setup(t, Config{Username: "bot", Password: "secret"})
	e.fake.repos["org/repo"] = map[string]forgetest.Tree{"main": {"catalog-info.yaml": "a\n"}, "feature/x": {"dir/c.yaml": "c\n"}}
	ctx := context.Background()
	u := e.srv.URL + "/org/repo/src/branch/main/catalog-info.yaml"
	body, etag, _, err := e.r.Read(ctx, u, "")
	if err != nil || string(body) != "a\n" {
		t.Fatalf("read = %q, %v", body, err)
	}
	if _, _, notModified, err := e.r.Read(ctx, u, etag); err != nil || !notModified {
		t.Fatalf("conditional read: %v, %v", notModified, err)
	}
	if body, _, _, err := e.r.Read(ctx, e.srv.URL+"/org/repo/src/branch/feature/x/dir/c.yaml", ""); err != nil || string(body) != "c\n" {
		t.Fatalf("branch with a slash = %q, %v", body, err)
	}
	if _, _, _, err := e.r.Read(ctx, e.srv.URL+"/org/repo/src/branch/main/nope.yaml", ""); !problem.Is(err, problem.NotFoundError) {
		t.Errorf("missing file: %v", err)
	}
	auth := "Basic Ym90OnNlY3JldA=="
	api := "GET /api/v1/repos/org/repo/raw/"
	want := []sent{
		{api + "catalog-info.yaml?ref=main", auth, ""},
		{api + "catalog-info.yaml?ref=main", auth, forgetest.ETag("a\n")},
		{api + "x/dir/c.yaml?ref=feature", auth, ""},
		{api + "dir/c.yaml?ref=feature%2Fx", auth, ""},
		{api + "nope.yaml?ref=main", auth, ""},
	}
	if diff := cmp.Diff(want, e.sent()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestSearch(t *testing.T) {
	e := setup(t, Config{})
	tree := forgetest.Tree{"catalog-info.yaml": "root\n"}
	for i := range 700 {
		tree[fmt.Sprintf("apps/a%03d/catalog-info.yaml", i)] = fmt.Sprintf("n: %d\n", i)
	}
	e.fake.repos["org/repo"] = map[string]forgetest.Tree{"main": tree}
	sha := tree.Commit()
	ctx := context.Background()
	u := e.srv.URL + "/org/repo/src/branch/main/apps/*/catalog-info.yaml"
	files, etag, notModified, err := e.r.Search(ctx, u, "")
	if err != nil || notModified || etag != sha || len(files) != 700 {
		t.Fatalf("search = %d files, %q, %v, %v", len(files), etag, notModified, err)
	}
	if diff := cmp.Diff(builtin.SearchFile{URL: e.srv.URL + "/org/repo/src/branch/main/apps/a005/catalog-info.yaml", Body: []byte("n: 5\n")}, files[5]); diff != "" {
		t.Errorf("files[5] (-want +got):\n%s", diff)
	}
	lines := e.srv.Lines()
	api := "GET /api/v1/repos/org/repo/"
	for _, want := range []string{
		api + "commits?files=false&limit=1&sha=main&stat=false&verification=false",
		api + "git/trees/" + sha + "?page=1&per_page=1000&recursive=true",
		api + "git/trees/" + sha + "?page=2&per_page=1000&recursive=true",
		api + "raw/apps/a699/catalog-info.yaml?ref=" + sha,
	} {
		if !slices.Contains(lines, want) {
			t.Errorf("missing request %s", want)
		}
	}
	if len(lines) != 1+2+700 {
		t.Errorf("%d requests, want 703", len(lines))
	}
	if _, _, notModified, err := e.r.Search(ctx, u, etag); err != nil || !notModified {
		t.Errorf("unchanged search: %v, %v", notModified, err)
	}
	if diff := cmp.Diff([]string{api + "commits?files=false&limit=1&sha=main&stat=false&verification=false"}, e.srv.Lines()); diff != "" {
		t.Errorf("unchanged search requests (-want +got):\n%s", diff)
	}
	// A commit URL needs no lookup.
	if _, _, _, err := e.r.Search(ctx, e.srv.URL+"/org/repo/src/commit/"+sha+"/*.yaml", ""); err != nil {
		t.Fatal(err)
	}
	wantCommit := []string{
		api + "git/trees/" + sha + "?page=1&per_page=1000&recursive=true",
		api + "git/trees/" + sha + "?page=2&per_page=1000&recursive=true",
		api + "raw/catalog-info.yaml?ref=" + sha,
	}
	if lines := e.srv.Lines(); !cmp.Equal(wantCommit, lines) {
		t.Errorf("commit search requests = %v", lines)
	}
}

func TestServerErrorsAreRetried(t *testing.T) {
	e := setup(t, Config{})
	e.fake.repos["org/repo"] = map[string]forgetest.Tree{"main": {"x.yaml": "x"}}
	e.fake.fail = forgetest.FailFirst(1, func(w http.ResponseWriter) {
		w.WriteHeader(http.StatusBadGateway)
	})
	if _, _, _, err := e.r.Read(context.Background(), e.srv.URL+"/org/repo/src/branch/main/x.yaml", ""); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]time.Duration{time.Second}, e.clock.Slept()); diff != "" {
		t.Errorf("backoff (-want +got):\n%s", diff)
	}
}

package bitbucket

import (
	"context"
	"encoding/json"
	"net/http"
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

// fakeServer follows the Bitbucket Server (Data Center) REST API 1.0 for
// the endpoints the reader uses: raw (at a ref or commit, the default
// branch without "at"; ETag and 304), commits (until, limit) and files
// (recursive, paged with start/nextPageStart); it checks Authorization and
// answers 429 with Retry-After when told to.
type fakeServer struct {
	mu    sync.Mutex
	auth  string
	repos map[string]map[string]forgetest.Tree // PROJECT/repo → branch → files; "main" is the default
	fail  func(w http.ResponseWriter) bool
	// commits caches each tree's commit id; trees do not change once served.
	commits map[string]forgetest.Tree
}

func (s *fakeServer) errorAnswer(w http.ResponseWriter, status int, msg string) {
	b, _ := json.Marshal(map[string]any{"errors": []map[string]string{{"message": msg}}})
	forgetest.JSON(w, status, string(b))
}

func (s *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil && s.fail(w) {
		return
	}
	if r.Header.Get("Authorization") != s.auth {
		s.errorAnswer(w, http.StatusUnauthorized, "Authentication failed")
		return
	}
	segs, ok := forgetest.PathBelow(r, "/rest/api/1.0/projects/")
	if !ok || len(segs) < 4 || segs[1] != "repos" {
		s.errorAnswer(w, http.StatusNotFound, "not found")
		return
	}
	branches := s.repos[segs[0]+"/"+segs[2]]
	q := r.URL.Query()
	at := q.Get("at")
	if segs[3] == "commits" {
		at = q.Get("until")
	}
	tree, ok := s.at(branches, at)
	if !ok {
		s.errorAnswer(w, http.StatusNotFound, "Commit '"+at+"' does not exist in repository '"+segs[2]+"'.")
		return
	}
	path := strings.Join(segs[4:], "/")
	switch segs[3] {
	case "raw":
		content, ok := tree[path]
		if !ok {
			s.errorAnswer(w, http.StatusNotFound, "The path \""+path+"\" does not exist at revision \""+at+"\"")
			return
		}
		forgetest.ServeFile(w, r, content)
	case "commits":
		forgetest.JSON(w, http.StatusOK, `{"values":[{"id":"`+tree.Commit()+`"}],"size":1,"isLastPage":false,"start":0,"limit":1,"nextPageStart":1}`)
	case "files":
		var all []string
		for _, p := range tree.Paths() {
			if path == "" {
				all = append(all, p)
			} else if rel, ok := strings.CutPrefix(p, path+"/"); ok {
				all = append(all, rel)
			}
		}
		if len(all) == 0 && path != "" {
			s.errorAnswer(w, http.StatusNotFound, "The path \""+path+"\" does not exist")
			return
		}
		start, _ := strconv.Atoi(q.Get("start"))
		limit, _ := strconv.Atoi(q.Get("limit"))
		if limit <= 0 {
			limit = 25
		}
		lo, hi := min(start, len(all)), min(start+limit, len(all))
		answer := map[string]any{"values": all[lo:hi], "size": hi - lo, "start": start, "limit": limit, "isLastPage": hi == len(all)}
		if hi < len(all) {
			answer["nextPageStart"] = hi
		}
		b, _ := json.Marshal(answer)
		forgetest.JSON(w, http.StatusOK, string(b))
	default:
		s.errorAnswer(w, http.StatusNotFound, "not found")
	}
}

func (s *fakeServer) at(branches map[string]forgetest.Tree, at string) (forgetest.Tree, bool) {
	if at == "" {
		at = "main"
	}
	at = strings.TrimPrefix(at, "refs/heads/")
	if t, ok := branches[at]; ok {
		return t, true
	}
	if s.commits == nil {
		s.commits = map[string]forgetest.Tree{}
		for _, bs := range s.repos {
			for _, t := range bs {
				s.commits[t.Commit()] = t
			}
		}
	}
	t, ok := s.commits[at]
	return t, ok
}

type serverEnv struct {
	r     *ServerReader
	fake  *fakeServer
	srv   *forgetest.Server
	clock *forgetest.Clock
}

func setupServer(t *testing.T, cfg ServerConfig) *serverEnv {
	t.Helper()
	clock := forgetest.NewClock(t0)
	fake := &fakeServer{repos: map[string]map[string]forgetest.Tree{}}
	srv := forgetest.NewServer(t, fake)
	cfg.Host = "bitbucket.example.com"
	cfg.APIBaseURL = srv.URL + "/rest/api/1.0"
	r, err := NewServer(cfg, forge.NewClient(srv.Client(), ratelimit.NewBudgets(clock), 1<<20))
	if err != nil {
		t.Fatal(err)
	}
	fake.auth, _ = r.cfg.authorization()
	return &serverEnv{r: r, fake: fake, srv: srv, clock: clock}
}

func TestServerParseURL(t *testing.T) {
	r, err := NewServer(ServerConfig{Host: "bb.example.com"}, forge.NewClient(nil, nil, 1))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in   string
		want serverURL
	}{
		{"https://bb.example.com/projects/PRJ/repos/repo/browse/catalog-info.yaml?at=refs%2Fheads%2Fmain",
			serverURL{Web: "https://bb.example.com/projects/PRJ/repos/repo", Project: "PRJ", Repo: "repo", Path: "catalog-info.yaml", At: "refs/heads/main"}},
		{"https://bb.example.com/projects/PRJ/repos/repo/browse/dir/a%20b.yaml",
			serverURL{Web: "https://bb.example.com/projects/PRJ/repos/repo", Project: "PRJ", Repo: "repo", Path: "dir/a b.yaml"}},
		{"https://bb.example.com/bitbucket/users/jo/repos/repo/raw/x.yaml?at=feature/x",
			serverURL{Web: "https://bb.example.com/bitbucket/users/jo/repos/repo", Project: "~jo", Repo: "repo", Path: "x.yaml", At: "feature/x"}},
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
	for _, bad := range []string{"https://bb.example.com/projects/PRJ/repos/repo", "https://bb.example.com/projects/PRJ/repos/repo/commits", "https://other.example.com/projects/P/repos/r/browse/x"} {
		if _, err := r.parseURL(bad); !problem.Is(err, problem.InputError) {
			t.Errorf("parseURL(%q) = %v, want an InputError", bad, err)
		}
	}
	for _, bad := range []ServerConfig{{}, {Host: "h", Username: "u"}, {Host: "h/x"}} {
		if _, err := bad.WithDefaults(); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	if got, _ := (ServerConfig{Host: "h"}).WithDefaults(); got.APIBaseURL != "https://h/rest/api/1.0" {
		t.Errorf("default apiBaseUrl = %q", got.APIBaseURL)
	}
}

func TestServerRead(t *testing.T) {
	e := setupServer(t, ServerConfig{Token: "bbtoken"})
	e.fake.repos["PRJ/repo"] = map[string]forgetest.Tree{
		"main":      {"catalog-info.yaml": "a\n"},
		"feature/x": {"catalog-info.yaml": "x\n"},
	}
	ctx := context.Background()
	web := "https://bitbucket.example.com/projects/PRJ/repos/repo/browse/"
	body, etag, _, err := e.r.Read(ctx, web+"catalog-info.yaml", "")
	if err != nil || string(body) != "a\n" {
		t.Fatalf("default branch = %q, %v", body, err)
	}
	if _, _, notModified, err := e.r.Read(ctx, web+"catalog-info.yaml", etag); err != nil || !notModified {
		t.Fatalf("conditional read: %v, %v", notModified, err)
	}
	if body, _, _, err := e.r.Read(ctx, web+"catalog-info.yaml?at=refs%2Fheads%2Ffeature%2Fx", ""); err != nil || string(body) != "x\n" {
		t.Fatalf("at a branch with a slash = %q, %v", body, err)
	}
	if _, _, _, err := e.r.Read(ctx, web+"nope.yaml?at=main", ""); !problem.Is(err, problem.NotFoundError) {
		t.Errorf("missing file: %v", err)
	}
	api := "GET /rest/api/1.0/projects/PRJ/repos/repo/raw/"
	want := []sent{
		{api + "catalog-info.yaml", "Bearer bbtoken", ""},
		{api + "catalog-info.yaml", "Bearer bbtoken", forgetest.ETag("a\n")},
		{api + "catalog-info.yaml?at=refs%2Fheads%2Ffeature%2Fx", "Bearer bbtoken", ""},
		{api + "nope.yaml?at=main", "Bearer bbtoken", ""},
	}
	if diff := cmp.Diff(want, sentBy(e.srv)); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestServerSearch(t *testing.T) {
	e := setupServer(t, ServerConfig{Username: "u", Password: "p"})
	tree := forgetest.Tree{"catalog-info.yaml": "root\n"}
	for i := range 1200 {
		tree["teams/t"+strconv.Itoa(1000+i)+"/catalog-info.yaml"] = "t\n"
	}
	tree["teams/t1000/other.yaml"] = "o\n"
	e.fake.repos["PRJ/repo"] = map[string]forgetest.Tree{"main": tree}
	e.r.cred.Budget = e.r.client.Budgets().Get("test", "test", ratelimit.Limit{})
	sha := tree.Commit()
	ctx := context.Background()
	u := "https://bitbucket.example.com/projects/PRJ/repos/repo/browse/teams/*/catalog-info.yaml?at=main"
	files, etag, notModified, err := e.r.Search(ctx, u, "")
	if err != nil || notModified || etag != sha || len(files) != 1200 {
		t.Fatalf("search = %d files, %q, %v, %v", len(files), etag, notModified, err)
	}
	if diff := cmp.Diff(builtin.SearchFile{URL: "https://bitbucket.example.com/projects/PRJ/repos/repo/browse/teams/t1000/catalog-info.yaml?at=main", Body: []byte("t\n")}, files[0]); diff != "" {
		t.Errorf("files[0] (-want +got):\n%s", diff)
	}
	reqs := sentBy(e.srv)
	api := "GET /rest/api/1.0/projects/PRJ/repos/repo/"
	wantFirst := []sent{
		{api + "commits?limit=1&until=main", "Basic dTpw", ""},
		{api + "files/teams?at=" + sha + "&limit=1000&start=0", "Basic dTpw", ""},
		{api + "files/teams?at=" + sha + "&limit=1000&start=1000", "Basic dTpw", ""},
	}
	if diff := cmp.Diff(wantFirst, reqs[:3]); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if len(reqs) != 3+1200 || !strings.HasPrefix(reqs[3].Line, api+"raw/teams/t1") || !strings.HasSuffix(reqs[3].Line, "/catalog-info.yaml?at="+sha) {
		t.Errorf("%d requests; a file read: %v", len(reqs), reqs[3])
	}
	if _, _, notModified, err := e.r.Search(ctx, u, etag); err != nil || !notModified {
		t.Errorf("unchanged search: %v, %v", notModified, err)
	}
	if _, _, _, err := e.r.Search(ctx, strings.Replace(u, "at=main", "at=nope", 1), ""); !problem.Is(err, problem.NotFoundError) {
		t.Errorf("unknown branch: %v", err)
	}
}

// Bitbucket Data Center's rate limiting answers 429 with Retry-After.
func TestServerRateLimited(t *testing.T) {
	e := setupServer(t, ServerConfig{})
	e.fake.repos["PRJ/repo"] = map[string]forgetest.Tree{"main": {"x.yaml": "x"}}
	e.fake.fail = forgetest.FailFirst(1, func(w http.ResponseWriter) {
		w.Header().Set("Retry-After", "15")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	if _, _, _, err := e.r.Read(context.Background(), "https://bitbucket.example.com/projects/PRJ/repos/repo/browse/x.yaml", ""); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]time.Duration{15 * time.Second}, e.clock.Slept()); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
}

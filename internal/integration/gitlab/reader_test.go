package gitlab

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

// fakeGitLab follows GitLab's REST API v4 for the endpoints the reader
// uses: repository files raw (ETag, 304), commits, and the repository tree
// (recursive, paginated with X-Next-Page); it checks PRIVATE-TOKEN and
// sends RateLimit-* headers.
type fakeGitLab struct {
	mu       sync.Mutex
	token    string
	projects map[string]map[string]forgetest.Tree // project path → ref → files
	fail     func(w http.ResponseWriter) bool
}

func (g *fakeGitLab) message(w http.ResponseWriter, status int, msg string) {
	b, _ := json.Marshal(map[string]string{"message": msg})
	forgetest.JSON(w, status, string(b))
}

func (g *fakeGitLab) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.fail != nil && g.fail(w) {
		return
	}
	if g.token != "" && r.Header.Get("Private-Token") != g.token {
		g.message(w, http.StatusUnauthorized, "401 Unauthorized")
		return
	}
	w.Header().Set("RateLimit-Limit", "2000")
	w.Header().Set("RateLimit-Remaining", "1999")
	w.Header().Set("RateLimit-Reset", strconv.FormatInt(t0.Add(time.Minute).Unix(), 10))
	segs, ok := forgetest.PathBelow(r, "/api/v4/projects/")
	if !ok {
		g.message(w, http.StatusNotFound, "404 Not Found")
		return
	}
	refs := g.projects[segs[0]]
	if refs == nil || len(segs) < 3 || segs[1] != "repository" {
		g.message(w, http.StatusNotFound, "404 Project Not Found")
		return
	}
	q := r.URL.Query()
	switch {
	case segs[2] == "files" && len(segs) == 5 && segs[4] == "raw":
		content, ok := refs[q.Get("ref")][segs[3]]
		if !ok {
			content, ok = g.atCommit(refs, q.Get("ref"))[segs[3]]
		}
		if !ok {
			g.message(w, http.StatusNotFound, "404 File Not Found")
			return
		}
		forgetest.ServeFile(w, r, content)
	case segs[2] == "commits" && len(segs) == 4:
		tree, ok := refs[segs[3]]
		if !ok {
			g.message(w, http.StatusNotFound, "404 Commit Not Found")
			return
		}
		b, _ := json.Marshal(map[string]string{"id": tree.Commit(), "short_id": tree.Commit()[:8]})
		forgetest.JSON(w, http.StatusOK, string(b))
	case segs[2] == "tree" && len(segs) == 3:
		g.tree(w, q, g.atCommit(refs, q.Get("ref")))
	default:
		g.message(w, http.StatusNotFound, "404 Not Found")
	}
}

func (g *fakeGitLab) atCommit(refs map[string]forgetest.Tree, sha string) forgetest.Tree {
	for _, t := range refs {
		if t.Commit() == sha {
			return t
		}
	}
	return nil
}

func (g *fakeGitLab) tree(w http.ResponseWriter, q url.Values, t forgetest.Tree) {
	type entry struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		Type string `json:"type"`
		Path string `json:"path"`
		Mode string `json:"mode"`
	}
	dir := q.Get("path")
	if t == nil || dir != "" && !slices.Contains(t.Dirs(), dir) {
		g.message(w, http.StatusNotFound, "404 Tree Not Found")
		return
	}
	var all []entry
	under := func(p string) bool { return dir == "" || strings.HasPrefix(p, dir+"/") }
	for _, d := range t.Dirs() {
		if under(d) {
			all = append(all, entry{Name: d[strings.LastIndex(d, "/")+1:], Type: "tree", Path: d, Mode: "040000"})
		}
	}
	for _, p := range t.Paths() {
		if under(p) {
			all = append(all, entry{ID: forgetest.BlobSHA(t[p]), Name: p[strings.LastIndex(p, "/")+1:], Type: "blob", Path: p, Mode: "100644"})
		}
	}
	per, _ := strconv.Atoi(q.Get("per_page"))
	page, _ := strconv.Atoi(q.Get("page"))
	if per <= 0 {
		per = 20
	}
	if page <= 0 {
		page = 1
	}
	lo, hi := min((page-1)*per, len(all)), min(page*per, len(all))
	if hi < len(all) {
		w.Header().Set("X-Next-Page", strconv.Itoa(page+1))
	} else {
		w.Header().Set("X-Next-Page", "")
	}
	w.Header().Set("X-Page", strconv.Itoa(page))
	b, _ := json.Marshal(all[lo:hi])
	forgetest.JSON(w, http.StatusOK, string(b))
}

type env struct {
	r     *Reader
	fake  *fakeGitLab
	srv   *forgetest.Server
	clock *forgetest.Clock
}

func setup(t *testing.T, cfg Config) *env {
	t.Helper()
	clock := forgetest.NewClock(t0)
	fake := &fakeGitLab{token: cfg.Token, projects: map[string]map[string]forgetest.Tree{}}
	srv := forgetest.NewServer(t, fake)
	if cfg.APIBaseURL == "" {
		cfg.APIBaseURL = srv.URL + "/api/v4"
	}
	r, err := New(cfg, forge.NewClient(srv.Client(), ratelimit.NewBudgets(clock), 1<<20))
	if err != nil {
		t.Fatal(err)
	}
	return &env{r: r, fake: fake, srv: srv, clock: clock}
}

type sent struct{ Line, Token, INM string }

func (e *env) sent() []sent {
	var out []sent
	for _, r := range e.srv.Requests() {
		out = append(out, sent{r.Line(), r.Header.Get("Private-Token"), r.Header.Get("If-None-Match")})
	}
	return out
}

func TestParseURL(t *testing.T) {
	gl, _ := New(Config{}, forge.NewClient(nil, nil, 1))
	self, _ := New(Config{Host: "example.com", BaseURL: "https://example.com/gitlab"}, forge.NewClient(nil, nil, 1))
	tests := []struct {
		r    *Reader
		in   string
		want fileURL
	}{
		{gl, "https://gitlab.com/group/project/-/blob/main/catalog-info.yaml", fileURL{"group/project", []string{"main", "catalog-info.yaml"}}},
		{gl, "https://gitlab.com/group/sub/project/-/tree/feature/x/dir", fileURL{"group/sub/project", []string{"feature", "x", "dir"}}},
		{gl, "https://gitlab.com/group/project/-/raw/v1/a%20b.yaml", fileURL{"group/project", []string{"v1", "a b.yaml"}}},
		{gl, "https://gitlab.com/group/project/blob/main/x.yaml", fileURL{"group/project", []string{"main", "x.yaml"}}},
		{self, "https://example.com/gitlab/group/project/-/blob/main/x.yaml", fileURL{"group/project", []string{"main", "x.yaml"}}},
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
	for _, bad := range []string{"https://gitlab.com/group/project", "https://gitlab.com/group/project/-/issues/1", "https://example.com/other/g/p/-/blob/main/x", "https://github.com/o/r/blob/main/x"} {
		r := gl
		if strings.Contains(bad, "example.com") {
			r = self
		}
		if _, err := r.parseURL(bad); !problem.Is(err, problem.InputError) {
			t.Errorf("parseURL(%q) = %v, want an InputError", bad, err)
		}
	}
}

func TestConfigDefaults(t *testing.T) {
	tests := []struct{ in, want Config }{
		{Config{}, Config{Host: "gitlab.com", BaseURL: "https://gitlab.com", APIBaseURL: "https://gitlab.com/api/v4"}},
		{Config{Host: "git.example.com"}, Config{Host: "git.example.com", BaseURL: "https://git.example.com", APIBaseURL: "https://git.example.com/api/v4"}},
		{Config{Host: "example.com", BaseURL: "https://example.com/gitlab/"}, Config{Host: "example.com", BaseURL: "https://example.com/gitlab", APIBaseURL: "https://example.com/gitlab/api/v4"}},
	}
	for _, tt := range tests {
		got, err := tt.in.WithDefaults()
		if err != nil {
			t.Errorf("WithDefaults(%+v): %v", tt.in, err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("WithDefaults(%+v) (-want +got):\n%s", tt.in, diff)
		}
	}
	if _, err := (Config{Host: "a/b"}).WithDefaults(); err == nil {
		t.Error("a host with a path was accepted")
	}
}

func TestRead(t *testing.T) {
	e := setup(t, Config{Token: "glpat-x"})
	e.fake.projects["group/sub/project"] = map[string]forgetest.Tree{
		"main":      {"catalog-info.yaml": "a: 1\n", "dir/b.yaml": "b: 1\n"},
		"feature/x": {"c.yaml": "c: 1\n"},
	}
	ctx := context.Background()
	u := "https://gitlab.com/group/sub/project/-/blob/main/catalog-info.yaml"
	body, etag, notModified, err := e.r.Read(ctx, u, "")
	if err != nil || string(body) != "a: 1\n" || etag != forgetest.ETag("a: 1\n") || notModified {
		t.Fatalf("first read = %q, %q, %v, %v", body, etag, notModified, err)
	}
	if _, _, notModified, err := e.r.Read(ctx, u, etag); err != nil || !notModified {
		t.Fatalf("conditional read: %v, %v", notModified, err)
	}
	if body, _, _, err := e.r.Read(ctx, "https://gitlab.com/group/sub/project/-/raw/main/dir/b.yaml", ""); err != nil || string(body) != "b: 1\n" {
		t.Fatalf("nested file = %q, %v", body, err)
	}
	if body, _, _, err := e.r.Read(ctx, "https://gitlab.com/group/sub/project/-/blob/feature/x/c.yaml", ""); err != nil || string(body) != "c: 1\n" {
		t.Fatalf("branch with a slash = %q, %v", body, err)
	}
	_, _, _, err = e.r.Read(ctx, "https://gitlab.com/group/sub/project/-/blob/main/missing.yaml", "")
	if !problem.Is(err, problem.NotFoundError) {
		t.Errorf("missing file: %v", err)
	}
	api := "GET /api/v4/projects/group%2Fsub%2Fproject/repository/files/"
	want := []sent{
		{api + "catalog-info.yaml/raw?ref=main", "glpat-x", ""},
		{api + "catalog-info.yaml/raw?ref=main", "glpat-x", forgetest.ETag("a: 1\n")},
		{api + "dir%2Fb.yaml/raw?ref=main", "glpat-x", ""},
		{api + "x%2Fc.yaml/raw?ref=feature", "glpat-x", ""},
		{api + "c.yaml/raw?ref=feature%2Fx", "glpat-x", ""},
		{api + "missing.yaml/raw?ref=main", "glpat-x", ""},
	}
	if diff := cmp.Diff(want, e.sent()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestSearch(t *testing.T) {
	e := setup(t, Config{})
	tree := forgetest.Tree{"catalog-info.yaml": "root: 1\n", "docs/x.md": "x"}
	for i := range 150 {
		tree[fmt.Sprintf("services/s%03d/catalog-info.yaml", i)] = fmt.Sprintf("s: %d\n", i)
	}
	e.fake.projects["group/project"] = map[string]forgetest.Tree{"main": tree}
	sha := tree.Commit()
	ctx := context.Background()
	u := "https://gitlab.com/group/project/-/blob/main/services/*/catalog-info.yaml"

	files, etag, notModified, err := e.r.Search(ctx, u, "")
	if err != nil || notModified || etag != sha || len(files) != 150 {
		t.Fatalf("search = %d files, %q, %v, %v", len(files), etag, notModified, err)
	}
	if diff := cmp.Diff(builtin.SearchFile{URL: "https://gitlab.com/group/project/-/blob/main/services/s007/catalog-info.yaml", Body: []byte("s: 7\n")}, files[7]); diff != "" {
		t.Errorf("files[7] (-want +got):\n%s", diff)
	}
	lines := e.srv.Lines()
	treePage := func(n int) string {
		return "GET /api/v4/projects/group%2Fproject/repository/tree?page=" + strconv.Itoa(n) + "&path=services&per_page=100&recursive=true&ref=" + sha
	}
	wantFirst := []string{
		"GET /api/v4/projects/group%2Fproject/repository/commits/main",
		"GET /api/v4/projects/group%2Fproject/repository/files/services%2Fs000%2Fcatalog-info.yaml/raw?ref=" + sha,
	}
	for _, w := range append(wantFirst, treePage(1), treePage(2), treePage(3)) {
		if !slices.Contains(lines, w) {
			t.Errorf("missing request %s", w)
		}
	}
	if len(lines) != 1+3+150 {
		t.Errorf("%d requests, want 154 (commit, three tree pages, 150 files)", len(lines))
	}

	files, _, notModified, err = e.r.Search(ctx, u, etag)
	if err != nil || !notModified || files != nil {
		t.Fatalf("unchanged search = %v, %v, %v", files, notModified, err)
	}
	if diff := cmp.Diff([]string{"GET /api/v4/projects/group%2Fproject/repository/commits/main"}, e.srv.Lines()); diff != "" {
		t.Errorf("unchanged search requests (-want +got):\n%s", diff)
	}

	files, _, _, err = e.r.Search(ctx, "https://gitlab.com/group/project/-/blob/main/nothing/*.yaml", "")
	if err != nil || len(files) != 0 {
		t.Errorf("search of a missing directory = %v, %v", files, err)
	}
	if _, _, _, err = e.r.Search(ctx, "https://gitlab.com/group/project/-/blob/nope/*.yaml", ""); !problem.Is(err, problem.NotFoundError) {
		t.Errorf("unknown branch: %v", err)
	}
}

// GitLab's 429 with Retry-After is waited out; RateLimit-* answers are
// followed.
func TestRateLimited(t *testing.T) {
	e := setup(t, Config{Token: "t"})
	e.fake.projects["g/p"] = map[string]forgetest.Tree{"main": {"x.yaml": "x"}}
	e.fake.fail = forgetest.FailFirst(1, func(w http.ResponseWriter) {
		w.Header().Set("Retry-After", "3")
		w.Header().Set("RateLimit-Remaining", "0")
		w.Header().Set("RateLimit-Reset", strconv.FormatInt(t0.Add(3*time.Second).Unix(), 10))
		w.WriteHeader(http.StatusTooManyRequests)
	})
	if _, _, _, err := e.r.Read(context.Background(), "https://gitlab.com/g/p/-/blob/main/x.yaml", ""); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]time.Duration{3 * time.Second}, e.clock.Slept()); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
	if got := e.r.cred.Budget.Limit(); got != (ratelimit.Limit{Requests: 2000, Period: time.Minute}) {
		t.Errorf("gitlab.com token budget = %+v", got)
	}
}

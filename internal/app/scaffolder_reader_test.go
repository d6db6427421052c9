package app

import (
	"context"
	"encoding/json"
	"io/fs"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/catalog/builtin"
	"github.com/callboard/callboard/internal/integration"
	"github.com/callboard/callboard/internal/integration/github"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/scaffolder/actions"
	"github.com/callboard/callboard/plugin"
)

// skeletonRepo serves one GitHub repository's main branch through the REST
// endpoints the integration reader uses: contents, commits and recursive
// git trees.
func skeletonRepo(t *testing.T, files map[string]string) *httptest.Server {
	const commit = "0123456789abcdef0123456789abcdef01234567"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := strings.CutPrefix(r.URL.Path, "/repos/acme/templates/")
		if !ok {
			http.NotFound(w, r)
			return
		}
		switch {
		case p == "commits/main":
			w.Write([]byte(commit))
		case p == "git/trees/"+commit:
			type entry struct {
				Path string `json:"path"`
				Type string `json:"type"`
			}
			var entries []entry
			for _, f := range slices.Sorted(maps.Keys(files)) {
				entries = append(entries, entry{f, "blob"})
			}
			json.NewEncoder(w).Encode(map[string]any{"sha": commit, "tree": entries, "truncated": false})
		case strings.HasPrefix(p, "contents/"):
			c, ok := files[strings.TrimPrefix(p, "contents/")]
			if !ok {
				http.NotFound(w, r)
				return
			}
			w.Write([]byte(c))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestIntegrationReaderThroughGitHub(t *testing.T) {
	api := skeletonRepo(t, map[string]string{
		"template.yaml":                 "kind: Template",
		"svc/skeleton/README.md":        "# ${{ values.name }}",
		"svc/skeleton/src/main.go":      "package main",
		"svc/skeleton-other/ignored.md": "no",
	})
	ir, err := integration.New(integration.Config{GitHub: []github.Config{{Token: "tok", APIBaseURL: api.URL}}}, integration.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := newIntegrationReader(ir)
	ctx := context.Background()

	files, err := r.ReadTree(ctx, "https://github.com/acme/templates/tree/main/svc/skeleton")
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	want := []actions.File{{Path: "README.md", Data: []byte("# ${{ values.name }}")}, {Path: "src/main.go", Data: []byte("package main")}}
	if diff := cmp.Diff(want, files); diff != "" {
		t.Errorf("tree (-want +got):\n%s", diff)
	}

	body, err := r.Read(ctx, "https://github.com/acme/templates/blob/main/template.yaml")
	if err != nil || string(body) != "kind: Template" {
		t.Errorf("Read = %q, %v", body, err)
	}

	// A fetch:template run over the same reader, resolving the skeleton
	// against the template's remote base URL.
	var fetch plugin.Action
	for _, a := range actions.Builtin(actions.Deps{Reader: r}) {
		if a.Info().ID == "fetch:plain" {
			fetch = a
		}
	}
	ws := t.TempDir()
	ac := &plugin.ActionContext{
		Input:     map[string]any{"url": "./skeleton", "targetPath": "out"},
		Workspace: ws,
		Logger:    slog.New(slog.DiscardHandler),
		Output:    func(string, any) {},
		Template:  plugin.TemplateInfo{EntityRef: "template:default/sample", BaseURL: "https://github.com/acme/templates/blob/main/svc"},
	}
	if err := fetch.Run(ctx, ac); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	err = filepath.WalkDir(ws, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(ws, p)
		got[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"out/README.md": "# ${{ values.name }}", "out/src/main.go": "package main"}, got); diff != "" {
		t.Errorf("workspace (-want +got):\n%s", diff)
	}

	// A host that is neither a forge nor allowed is refused by name.
	_, err = r.ReadTree(ctx, "https://files.example.com/skeleton")
	if !problem.Is(err, problem.NotAllowedError) || !strings.Contains(err.Error(), "files.example.com") {
		t.Errorf("disallowed host: %v", err)
	}
	_, err = r.Read(ctx, "https://files.example.com/a.txt")
	if !problem.Is(err, problem.NotAllowedError) || !strings.Contains(err.Error(), "files.example.com") {
		t.Errorf("disallowed host: %v", err)
	}
}

func TestIntegrationReaderPlainHostCannotListDirectories(t *testing.T) {
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("index")) }))
	defer plain.Close()
	u, _ := url.Parse(plain.URL)
	ir, err := integration.New(integration.Config{}, integration.Options{ReadingAllow: []builtin.AllowRule{{Host: u.Host}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = newIntegrationReader(ir).ReadTree(context.Background(), plain.URL+"/skeleton")
	want := "InputError: Cannot read the directory " + plain.URL + "/skeleton: reading a directory needs an integration configured for host " + u.Host
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

func TestSearchURLAndRelativeURL(t *testing.T) {
	tests := []struct {
		dir, search, file, rel string
	}{
		{
			dir:    "https://github.com/o/r/tree/main/svc/skeleton",
			search: "https://github.com/o/r/tree/main/svc/skeleton/**",
			file:   "https://github.com/o/r/blob/main/svc/skeleton/a/b.txt",
			rel:    "a/b.txt",
		},
		{
			dir:    "https://gitlab.com/g/p/-/tree/feat%2Fx/sk",
			search: "https://gitlab.com/g/p/-/tree/feat%2Fx/sk/**",
			file:   "https://gitlab.com/g/p/-/blob/feat%2Fx/sk/c.md",
			rel:    "c.md",
		},
		{
			dir:    "https://dev.azure.com/o/p/_git/r?path=%2Fsk&version=GBmain",
			search: "https://dev.azure.com/o/p/_git/r?path=%2Fsk%2F%2A%2A&version=GBmain",
			file:   "https://dev.azure.com/o/p/_git/r?path=%2Fsk%2Fd%2Fe.txt&version=GBmain",
			rel:    "d/e.txt",
		},
	}
	for _, tt := range tests {
		dir, _ := url.Parse(tt.dir)
		if got := searchURL(dir); got != tt.search {
			t.Errorf("searchURL(%s) = %s, want %s", tt.dir, got, tt.search)
		}
		if got, ok := relativeURL(dir, tt.file); !ok || got != tt.rel {
			t.Errorf("relativeURL(%s, %s) = %q, %v; want %q", tt.dir, tt.file, got, ok, tt.rel)
		}
	}
	dir, _ := url.Parse("https://github.com/o/r/tree/main/svc/skeleton")
	if rel, ok := relativeURL(dir, "https://github.com/o/r/blob/main/svc/other/a.txt"); ok {
		t.Errorf("a file outside the directory was placed at %q", rel)
	}
}

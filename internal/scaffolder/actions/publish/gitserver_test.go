package publish

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/cgi"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	gitobject "github.com/go-git/go-git/v5/plumbing/object"

	"github.com/callboard/callboard/plugin"
)

const httpBackend = "/usr/lib/git-core/git-http-backend"

// gitServer serves the bare repositories under root over HTTP with git
// http-backend, as a forge's git host would, and records the
// Authorization header of every request.
type gitServer struct {
	root    string
	handler http.Handler
	mu      sync.Mutex
	auths   []string
}

func newGitServer(t *testing.T, prefix string) *gitServer {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	if _, err := os.Stat(httpBackend); err != nil {
		t.Skip("git http-backend is not installed")
	}
	g := &gitServer{root: t.TempDir()}
	g.handler = &cgi.Handler{
		Path: httpBackend,
		Root: prefix,
		Env:  []string{"GIT_PROJECT_ROOT=" + g.root, "GIT_HTTP_EXPORT_ALL=1"},
	}
	return g
}

func (g *gitServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	g.auths = append(g.auths, r.Header.Get("Authorization"))
	g.mu.Unlock()
	g.handler.ServeHTTP(w, r)
}

// authorizations returns the distinct Authorization headers seen.
func (g *gitServer) authorizations() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	seen := map[string]bool{}
	var out []string
	for _, a := range g.auths {
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	sort.Strings(out)
	return out
}

// bare creates an empty bare repository that accepts pushes over HTTP.
func (g *gitServer) bare(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join(g.root, name)
	run(t, "git", "init", "--bare", "-q", dir)
	run(t, "git", "-C", dir, "config", "http.receivepack", "true")
	return dir
}

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

// pushed is a commit as read back from a repository.
type pushed struct {
	Message     string
	AuthorName  string
	AuthorEmail string
	Files       map[string]string
	Executable  []string
}

// readBranch reads the commit at the tip of branch in the repository dir.
func readBranch(t *testing.T, dir, branch string) (pushed, string) {
	t.Helper()
	repo, err := git.PlainOpen(dir)
	if err != nil {
		t.Fatalf("open %s: %v", dir, err)
	}
	ref, err := repo.Reference(plumbing.NewBranchReferenceName(branch), true)
	if err != nil {
		t.Fatalf("branch %s of %s: %v", branch, dir, err)
	}
	c, err := repo.CommitObject(ref.Hash())
	if err != nil {
		t.Fatal(err)
	}
	p := pushed{Message: c.Message, AuthorName: c.Author.Name, AuthorEmail: c.Author.Email, Files: map[string]string{}}
	files, err := c.Files()
	if err != nil {
		t.Fatal(err)
	}
	err = files.ForEach(func(f *gitobject.File) error {
		s, err := f.Contents()
		p.Files[f.Name] = s
		if f.Mode.IsFile() && f.Mode == 0o100755 {
			p.Executable = append(p.Executable, f.Name)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return p, ref.Hash().String()
}

// writeFiles writes files (path → content) under dir; paths ending in
// "*" are written executable without the star.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		mode := os.FileMode(0o644)
		if name[len(name)-1] == '*' {
			name, mode = name[:len(name)-1], 0o755
		}
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
}

// runResult is what one run of an action produced.
type runResult struct {
	Outputs map[string]any
	Err     error
	// Logs is the action's log in slog's text format.
	Logs string
}

// runAction runs a with input in a fresh workspace holding files.
func runAction(t *testing.T, a plugin.Action, input map[string]any, files map[string]string) runResult {
	t.Helper()
	ws := t.TempDir()
	writeFiles(t, ws, files)
	out := map[string]any{}
	var logs strings.Builder
	ac := &plugin.ActionContext{
		Input:     input,
		Workspace: ws,
		Logger:    slog.New(slog.NewTextHandler(&logs, nil)),
		Output:    func(name string, v any) { out[name] = v },
		TempDir:   func() (string, error) { return t.TempDir(), nil },
		TaskID:    "task-1",
		StepID:    "publish",
	}
	err := a.Run(context.Background(), ac)
	return runResult{Outputs: out, Err: err, Logs: logs.String()}
}

// actionByID returns the action with id from Actions(d).
func actionByID(t *testing.T, d Deps, id string) plugin.Action {
	t.Helper()
	for _, a := range Actions(d) {
		if a.Info().ID == id {
			return a
		}
	}
	t.Fatalf("no action %s", id)
	return nil
}

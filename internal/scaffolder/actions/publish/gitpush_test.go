package publish

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/plugin"
)

var skeleton = map[string]string{
	"README.md":          "# service\n",
	"catalog-info.yaml":  "kind: Component\n",
	"scripts/build.sh*":  "#!/bin/sh\necho build\n",
	".gitignore":         "*.log\n",
	"debug.log":          "ignored\n",
	"docs/index.md":      "docs\n",
	"sub/only-in-sub.md": "sub\n",
	"sub/.gitignore":     "tmp/\n",
	"sub/tmp/x":          "ignored\n",
}

// bareRemote makes an empty bare repository for a test and returns its
// directory and its file:// URL.
func bareRemote(tb testing.TB) (dir, url string) {
	tb.Helper()
	dir = filepath.Join(tb.TempDir(), "remote.git")
	if _, err := git.PlainInit(dir, true); err != nil {
		tb.Fatal(err)
	}
	return dir, "file://" + filepath.ToSlash(dir)
}

func TestPublishGitFile(t *testing.T) {
	bare, remote := bareRemote(t)
	for _, tc := range []struct {
		name   string
		deps   Deps
		input  map[string]any
		branch string
		want   pushed
	}{{
		name:   "whole workspace with the defaults",
		input:  map[string]any{"remoteUrl": remote},
		branch: "main",
		want: pushed{
			Message: "Initial commit", AuthorName: "Scaffolder", AuthorEmail: "scaffolder@backstage.io",
			Files: map[string]string{
				"README.md": "# service\n", "catalog-info.yaml": "kind: Component\n", "scripts/build.sh": "#!/bin/sh\necho build\n",
				".gitignore": "*.log\n", "docs/index.md": "docs\n", "sub/only-in-sub.md": "sub\n", "sub/.gitignore": "tmp/\n",
			},
			Executable: []string{"scripts/build.sh"},
		},
	}, {
		name: "source path, branch, message and author from the inputs",
		input: map[string]any{
			"remoteUrl": remote, "sourcePath": "sub", "defaultBranch": "trunk",
			"gitCommitMessage": "Scaffold", "gitAuthorName": "Ada", "gitAuthorEmail": "ada@example.com",
		},
		branch: "trunk",
		want: pushed{
			Message: "Scaffold", AuthorName: "Ada", AuthorEmail: "ada@example.com",
			Files: map[string]string{"only-in-sub.md": "sub\n", ".gitignore": "tmp/\n"},
		},
	}, {
		name:   "configured defaults",
		deps:   Deps{DefaultAuthorName: "Portal", DefaultAuthorEmail: "portal@example.com", DefaultCommitMessage: "Created by the portal"},
		input:  map[string]any{"remoteUrl": remote, "sourcePath": "docs", "defaultBranch": "docs"},
		branch: "docs",
		want: pushed{
			Message: "Created by the portal", AuthorName: "Portal", AuthorEmail: "portal@example.com",
			Files: map[string]string{"index.md": "docs\n"},
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			res := runAction(t, actionByID(t, withTempRepos(tc.deps), "publish:git"), tc.input, skeleton)
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			got, hash := readBranch(t, bare, tc.branch)
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("pushed commit (-want +got):\n%s", d)
			}
			if d := cmp.Diff(map[string]any{"remoteUrl": remote, "commitHash": hash}, res.Outputs); d != "" {
				t.Errorf("outputs (-want +got):\n%s", d)
			}
			// git itself finds the repository sound.
			if _, err := exec.LookPath("git"); err == nil {
				run(t, "git", "-C", bare, "fsck", "--strict", "--no-dangling")
				run(t, "git", "-C", bare, "cat-file", "-e", tc.branch+":"+firstKey(tc.want.Files))
			}
		})
	}
}

func firstKey(m map[string]string) string {
	for k := range m {
		return k
	}
	return ""
}

func TestPublishGitHTTP(t *testing.T) {
	gs := newGitServer(t, "/git")
	mux := http.NewServeMux()
	mux.Handle("/git/", gs)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	bare := gs.bare(t, "team/service.git")

	u := strings.Replace(srv.URL, "http://", "http://deploy:secret@", 1) + "/git/team/service.git"
	res := runAction(t, actionByID(t, Deps{}, "publish:git"), map[string]any{"remoteUrl": u, "token": "tok-1"}, skeleton)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	got, hash := readBranch(t, bare, "main")
	if got.Files["README.md"] != "# service\n" || len(got.Files) != 7 {
		t.Errorf("pushed files = %v", got.Files)
	}
	want := map[string]any{"remoteUrl": strings.Replace(u, "deploy:secret@", "deploy@", 1), "commitHash": hash}
	if d := cmp.Diff(want, res.Outputs); d != "" {
		t.Errorf("outputs (-want +got):\n%s", d)
	}
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("deploy:tok-1"))
	if d := cmp.Diff([]string{basic}, gs.authorizations()); d != "" {
		t.Errorf("git requests' Authorization (-want +got):\n%s", d)
	}

	// A second push of a new history to the same branch is refused.
	res = runAction(t, actionByID(t, Deps{}, "publish:git"), map[string]any{"remoteUrl": srv.URL + "/git/team/service.git", "token": "tok-2", "gitCommitMessage": "Again"}, skeleton)
	if res.Err == nil || !strings.Contains(res.Err.Error(), "publish:git: git push to "+srv.URL+"/git/team/service.git") {
		t.Errorf("second push error = %v", res.Err)
	}
	basic2 := "Basic " + base64.StdEncoding.EncodeToString([]byte("x-access-token:tok-2"))
	if d := cmp.Diff([]string{basic, basic2}, gs.authorizations()); d != "" {
		t.Errorf("git requests' Authorization (-want +got):\n%s", d)
	}
}

func TestPublishGitBadInput(t *testing.T) {
	_, remote := bareRemote(t)
	for _, tc := range []struct {
		name    string
		input   map[string]any
		wantErr string
	}{
		{"source path outside", map[string]any{"remoteUrl": remote, "sourcePath": "../x"},
			`InputError: publish:git: sourcePath "../x": Relative path is not allowed to refer to a directory outside its parent`},
		{"absolute source path", map[string]any{"remoteUrl": remote, "sourcePath": "/etc"},
			`InputError: publish:git: sourcePath "/etc": Relative path is not allowed to refer to a directory outside its parent`},
		{"missing source path", map[string]any{"remoteUrl": remote, "sourcePath": "nope"},
			`InputError: publish:git: sourcePath "nope": no such directory in the workspace`},
		{"ssh remote", map[string]any{"remoteUrl": "ssh://git@example.com/x.git"},
			`InputError: publish:git: unsupported remote URL scheme "ssh" in ssh://git@example.com/x.git: use https, http or file`},
		{"bad branch", map[string]any{"remoteUrl": remote, "defaultBranch": "a..b"},
			`InputError: publish:git: invalid branch name "a..b"`},
		{"no repository", map[string]any{"remoteUrl": "file://" + filepath.ToSlash(filepath.Join(t.TempDir(), "none"))},
			"NotFoundError: publish:git: git push to file://"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := runAction(t, actionByID(t, withTempRepos(Deps{}), "publish:git"), tc.input, skeleton)
			if res.Err == nil || !strings.HasPrefix(res.Err.Error(), tc.wantErr) {
				t.Fatalf("error = %v, want %s", res.Err, tc.wantErr)
			}
			if strings.HasPrefix(tc.wantErr, "InputError") && !problem.Is(res.Err, problem.InputError) {
				t.Errorf("error %v is not an InputError", res.Err)
			}
		})
	}
}

func TestPublishGitRefused(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
		http.Error(w, "bad credentials", http.StatusUnauthorized)
	}))
	defer srv.Close()
	res := runAction(t, actionByID(t, Deps{}, "publish:git"), map[string]any{"remoteUrl": srv.URL + "/x.git", "token": "wrong"}, skeleton)
	want := "AuthenticationError: publish:git: git push to " + srv.URL + "/x.git: authentication required"
	if res.Err == nil || !strings.HasPrefix(res.Err.Error(), want) {
		t.Errorf("error = %v, want %s...", res.Err, want)
	}
	if strings.Contains(res.Err.Error(), "wrong") || strings.Contains(res.Logs, "wrong") {
		t.Errorf("the token shows in the error or the logs: %v\n%s", res.Err, res.Logs)
	}
}

// BenchmarkPublishGitFile pushes a 200-file workspace to a fresh bare
// repository over file://, as the scaffolder benchmark's publish step does.
func BenchmarkPublishGitFile(b *testing.B) {
	ws := b.TempDir()
	for i := range 200 {
		p := filepath.Join(ws, "dir"+strconv.Itoa(i%10), "file"+strconv.Itoa(i)+".txt")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(strings.Repeat("line "+strconv.Itoa(i)+"\n", 40)), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	a := Actions(withTempRepos(Deps{}))[0]
	for b.Loop() {
		b.StopTimer()
		_, remote := bareRemote(b)
		ac := &plugin.ActionContext{Input: map[string]any{"remoteUrl": remote}, Workspace: ws}
		b.StartTimer()
		if err := a.Run(context.Background(), ac); err != nil {
			b.Fatal(err)
		}
	}
}

func TestPublishGitFileExistingBranch(t *testing.T) {
	_, remote := bareRemote(t)
	a := actionByID(t, withTempRepos(Deps{}), "publish:git")
	if res := runAction(t, a, map[string]any{"remoteUrl": remote}, skeleton); res.Err != nil {
		t.Fatal(res.Err)
	}
	res := runAction(t, a, map[string]any{"remoteUrl": remote, "gitCommitMessage": "Another history"}, skeleton)
	want := "ConflictError: publish:git: git push to " + remote + ": main exists and is not an ancestor of the new commit (non-fast-forward)"
	if res.Err == nil || res.Err.Error() != want {
		t.Errorf("error = %v, want %s", res.Err, want)
	}
	for _, bad := range []string{"file://example.com/srv/x.git", "file:"} {
		res := runAction(t, a, map[string]any{"remoteUrl": bad}, skeleton)
		if !problem.Is(res.Err, problem.InputError) {
			t.Errorf("remoteUrl %s: error = %v, want an InputError", bad, res.Err)
		}
	}
}

// withTempRepos lets publish:git push into the bare repositories tests make
// under the temporary directory.
func withTempRepos(d Deps) Deps {
	d.LocalRepositories = []string{os.TempDir()}
	return d
}

func TestPublishGitFileOutsideLocalRepositories(t *testing.T) {
	bare, remote := bareRemote(t)
	for _, tc := range []struct {
		name  string
		roots []string
		want  string
	}{
		{"none configured", nil, "NotAllowedError: publish:git: file remotes are not allowed here; list the directory of " + remote + " in scaffolder.publish.localRepositories"},
		{"another directory", []string{filepath.Join(os.TempDir(), "elsewhere")}, "NotAllowedError: publish:git: " + remote + " is outside scaffolder.publish.localRepositories"},
		{"a sibling with the same prefix", []string{filepath.Dir(bare) + "x"}, "NotAllowedError: publish:git: " + remote + " is outside scaffolder.publish.localRepositories"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := runAction(t, actionByID(t, Deps{LocalRepositories: tc.roots}, "publish:git"), map[string]any{"remoteUrl": remote}, skeleton)
			if res.Err == nil || res.Err.Error() != tc.want {
				t.Errorf("error = %v, want %s", res.Err, tc.want)
			}
		})
	}
	res := runAction(t, actionByID(t, Deps{LocalRepositories: []string{filepath.Dir(bare)}}, "publish:git"), map[string]any{"remoteUrl": remote}, skeleton)
	if res.Err != nil {
		t.Errorf("push into a listed directory: %v", res.Err)
	}
}

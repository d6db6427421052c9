package publish

import (
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// onGitHubPullRequestBase answers the calls that read the base branch and
// store blobs (named after their content) and the tree.
func onGitHubPullRequestBase(f *fakeForge, repo string) {
	f.on("GET "+repo, 200, map[string]any{"default_branch": "main"})
	f.on("GET "+repo+"/git/ref/heads/main", 200, map[string]any{"ref": "refs/heads/main", "object": map[string]any{"sha": "base-sha"}})
	f.on("GET "+repo+"/git/commits/base-sha", 200, map[string]any{"sha": "base-sha", "tree": map[string]any{"sha": "base-tree"}})
	f.onFunc("POST "+repo+"/git/blobs", func(body any) (int, any) {
		content, _ := base64.StdEncoding.DecodeString(body.(map[string]any)["content"].(string))
		return 201, map[string]any{"sha": blobName(string(content))}
	})
	f.on("POST "+repo+"/git/trees", 201, map[string]any{"sha": "new-tree"})
	f.on("POST "+repo+"/git/commits", 201, map[string]any{"sha": "new-commit"})
}

func blobName(content string) string { return fmt.Sprintf("blob-%x", sha1.Sum([]byte(content)))[:13] }

func blobCall(repo, content string) call {
	return call{"POST", repo + "/git/blobs", "Bearer ghp_config", map[string]any{
		"content": base64.StdEncoding.EncodeToString([]byte(content)), "encoding": "base64",
	}}
}

func TestGitHubPullRequest(t *testing.T) {
	f := newFakeForge(t)
	repo := "/api/v3/repos/acme/platform"
	onGitHubPullRequestBase(f, repo)
	f.on("POST "+repo+"/git/refs", 201, map[string]any{"ref": "refs/heads/add-payments"})
	f.on("POST "+repo+"/pulls", 201, map[string]any{"number": 7, "html_url": "https://ghe.example.com/acme/platform/pull/7"})
	f.on("POST "+repo+"/pulls/7/requested_reviewers", 201, map[string]any{})
	f.on("POST "+repo+"/issues/7/assignees", 201, map[string]any{})

	deps := githubDeps(f, "ghp_config")
	deps.DefaultAuthorName = "Portal"
	res := runAction(t, actionByID(t, deps, "publish:github:pull-request"), map[string]any{
		"repoUrl":       f.host() + "?owner=acme&repo=platform",
		"branchName":    "add-payments",
		"title":         "Add payments",
		"description":   "From the template.",
		"sourcePath":    "sub",
		"targetPath":    "services/payments",
		"draft":         true,
		"reviewers":     []any{"ada"},
		"teamReviewers": []any{"sre"},
		"assignees":     []any{"grace"},
		"filesToDelete": []any{"services/old/README.md"},
	}, map[string]string{
		"sub/README.md":     "# payments\n",
		"sub/run.sh*":       "#!/bin/sh\n",
		"sub/.gitignore":    "*.tmp\n",
		"sub/scratch.tmp":   "ignored\n",
		"sub/.git/config":   "ignored\n",
		"outside/README.md": "not in sourcePath\n",
	})
	if res.Err != nil {
		t.Fatalf("%v\n%s", res.Err, res.Logs)
	}
	auth := "Bearer ghp_config"
	entry := func(path, mode, content string) any {
		return map[string]any{"path": path, "mode": mode, "type": "blob", "sha": blobName(content)}
	}
	want := []call{
		{"GET", repo, auth, nil},
		{"GET", repo + "/git/ref/heads/main", auth, nil},
		{"GET", repo + "/git/commits/base-sha", auth, nil},
		blobCall(repo, "*.tmp\n"),
		blobCall(repo, "# payments\n"),
		blobCall(repo, "#!/bin/sh\n"),
		{"POST", repo + "/git/trees", auth, map[string]any{"base_tree": "base-tree", "tree": []any{
			entry("services/payments/.gitignore", "100644", "*.tmp\n"),
			entry("services/payments/README.md", "100644", "# payments\n"),
			entry("services/payments/run.sh", "100755", "#!/bin/sh\n"),
			map[string]any{"path": "services/old/README.md", "mode": "100644", "type": "blob", "sha": nil},
		}}},
		{"POST", repo + "/git/commits", auth, map[string]any{
			"message": "Add payments", "tree": "new-tree", "parents": []any{"base-sha"},
			"author": map[string]any{"name": "Portal", "email": "scaffolder@backstage.io"},
		}},
		{"POST", repo + "/git/refs", auth, map[string]any{"ref": "refs/heads/add-payments", "sha": "new-commit"}},
		{"POST", repo + "/pulls", auth, map[string]any{
			"title": "Add payments", "head": "add-payments", "base": "main", "body": "From the template.", "draft": true,
		}},
		{"POST", repo + "/pulls/7/requested_reviewers", auth, map[string]any{"reviewers": []any{"ada"}, "team_reviewers": []any{"sre"}}},
		{"POST", repo + "/issues/7/assignees", auth, map[string]any{"assignees": []any{"grace"}}},
	}
	if d := cmp.Diff(want, f.calls()); d != "" {
		t.Errorf("API requests (-want +got):\n%s", d)
	}
	wantOut := map[string]any{"targetBranchName": "main", "remoteUrl": "https://ghe.example.com/acme/platform/pull/7", "pullRequestNumber": 7}
	if d := cmp.Diff(wantOut, res.Outputs); d != "" {
		t.Errorf("outputs (-want +got):\n%s", d)
	}
}

func TestGitHubPullRequestUpdate(t *testing.T) {
	f := newFakeForge(t)
	repo := "/api/v3/repos/acme/platform"
	onGitHubPullRequestBase(f, repo)
	f.on("POST "+repo+"/git/refs", 422, map[string]any{"message": "Reference already exists"})
	f.on("PATCH "+repo+"/git/refs/heads/update-docs", 200, map[string]any{})
	f.on("GET "+repo+"/pulls?base=main&head=acme%3Aupdate-docs&state=open", 200, []any{map[string]any{"number": 3}})
	f.on("PATCH "+repo+"/pulls/3", 200, map[string]any{"number": 3, "html_url": "https://ghe.example.com/acme/platform/pull/3"})

	input := map[string]any{
		"repoUrl": f.host() + "?owner=acme&repo=platform", "branchName": "update-docs", "targetBranchName": "main",
		"title": "Update docs", "description": "Again.", "update": true, "commitMessage": "docs: regenerate",
		"gitAuthorName": "Ada", "gitAuthorEmail": "ada@example.com",
	}
	res := runAction(t, actionByID(t, githubDeps(f, "ghp_config"), "publish:github:pull-request"), input, map[string]string{"index.md": "docs\n"})
	if res.Err != nil {
		t.Fatalf("%v\n%s", res.Err, res.Logs)
	}
	auth := "Bearer ghp_config"
	want := []call{
		{"GET", repo + "/git/ref/heads/main", auth, nil},
		{"GET", repo + "/git/commits/base-sha", auth, nil},
		blobCall(repo, "docs\n"),
		{"POST", repo + "/git/trees", auth, map[string]any{"base_tree": "base-tree", "tree": []any{
			map[string]any{"path": "index.md", "mode": "100644", "type": "blob", "sha": blobName("docs\n")},
		}}},
		{"POST", repo + "/git/commits", auth, map[string]any{
			"message": "docs: regenerate", "tree": "new-tree", "parents": []any{"base-sha"},
			"author": map[string]any{"name": "Ada", "email": "ada@example.com"},
		}},
		{"POST", repo + "/git/refs", auth, map[string]any{"ref": "refs/heads/update-docs", "sha": "new-commit"}},
		{"PATCH", repo + "/git/refs/heads/update-docs", auth, map[string]any{"sha": "new-commit", "force": true}},
		{"GET", repo + "/pulls?base=main&head=acme%3Aupdate-docs&state=open", auth, nil},
		{"PATCH", repo + "/pulls/3", auth, map[string]any{"title": "Update docs", "body": "Again."}},
	}
	if d := cmp.Diff(want, f.calls()); d != "" {
		t.Errorf("API requests (-want +got):\n%s", d)
	}
	wantOut := map[string]any{"targetBranchName": "main", "remoteUrl": "https://ghe.example.com/acme/platform/pull/3", "pullRequestNumber": 3}
	if d := cmp.Diff(wantOut, res.Outputs); d != "" {
		t.Errorf("outputs (-want +got):\n%s", d)
	}

	// Without update, an existing branch is an error that names the call.
	input["update"] = false
	res = runAction(t, actionByID(t, githubDeps(f, "ghp_config"), "publish:github:pull-request"), input, map[string]string{"index.md": "docs\n"})
	if want := "publish:github:pull-request: create branch update-docs: POST " + f.srv.URL + repo + "/git/refs: 422 Reference already exists"; res.Err == nil || res.Err.Error() != "InputError: "+want+" []" {
		t.Errorf("error = %v, want %s", res.Err, want)
	}
}

func TestGitHubPullRequestEmpty(t *testing.T) {
	f := newFakeForge(t)
	repo := "/api/v3/repos/acme/platform"
	onGitHubPullRequestBase(f, repo)
	f.on("POST "+repo+"/git/trees", 201, map[string]any{"sha": "base-tree"})
	res := runAction(t, actionByID(t, githubDeps(f, "ghp_config"), "publish:github:pull-request"), map[string]any{
		"repoUrl": f.host() + "?owner=acme&repo=platform", "branchName": "b", "title": "t", "description": "d",
		"targetBranchName": "main", "createWhenEmpty": false,
	}, map[string]string{"same.md": "unchanged\n"})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if d := cmp.Diff(map[string]any{"targetBranchName": "main"}, res.Outputs); d != "" {
		t.Errorf("outputs (-want +got):\n%s", d)
	}
	last := f.calls()[len(f.calls())-1]
	if last.Path != repo+"/git/trees" {
		t.Errorf("last request = %s %s, want the tree: nothing after it", last.Method, last.Path)
	}
}

func TestReadTreeSymlink(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a.txt": "a\n"})
	if err := os.Symlink("a.txt", filepath.Join(dir, "link")); err != nil {
		t.Skip("symbolic links not supported:", err)
	}
	files, err := readTree(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []treeFile{{Path: "a.txt", Mode: "100644", Content: []byte("a\n")}, {Path: "link", Mode: "120000", Content: []byte("a.txt")}}
	if d := cmp.Diff(want, files); d != "" {
		t.Errorf("readTree (-want +got):\n%s", d)
	}
}

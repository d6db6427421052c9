package publish

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/integration"
	"github.com/callboard/callboard/internal/integration/gitlab"
	"github.com/callboard/callboard/internal/problem"
)

func gitlabDeps(f *fakeForge, token string) Deps {
	return Deps{Integrations: integration.Config{GitLab: []gitlab.Config{{Host: f.host(), BaseURL: f.srv.URL, Token: token}}}}
}

func TestPublishGitLab(t *testing.T) {
	f := newFakeForge(t)
	bare := f.git.bare(t, "acme/payments/api.git")
	api := "/api/v4"
	f.on("GET "+api+"/namespaces/acme%2Fpayments", 200, map[string]any{"id": 42, "kind": "group", "full_path": "acme/payments"})
	f.on("POST "+api+"/projects", 201, map[string]any{"id": 7, "http_url_to_repo": f.srv.URL + "/git/acme/payments/api.git"})
	f.on("POST "+api+"/projects/7/repository/branches", 201, map[string]any{"name": "develop"})
	f.on("POST "+api+"/projects/7/protected_branches", 201, map[string]any{"name": "develop"})
	f.on("POST "+api+"/projects/7/variables", 201, map[string]any{"key": "REGION"})

	res := runAction(t, actionByID(t, gitlabDeps(f, "glpat-config"), "publish:gitlab"), map[string]any{
		"repoUrl":        f.host() + "?owner=acme/payments&repo=api",
		"repoVisibility": "internal",
		"defaultBranch":  "main",
		"topics":         []any{"go", "payments"},
		"settings":       map[string]any{"ci_config_path": ".gitlab/ci.yml", "description": "Payments API"},
		"branches": []any{
			map[string]any{"name": "develop", "create": true, "protect": true, "ref": "main"},
		},
		"projectVariables": []any{
			map[string]any{"key": "REGION", "value": "eu-west-1", "masked": true},
		},
	}, skeleton)
	if res.Err != nil {
		t.Fatalf("%v\n%s", res.Err, res.Logs)
	}
	auth := "PRIVATE-TOKEN glpat-config"
	want := []call{
		{"GET", api + "/namespaces/acme%2Fpayments", auth, nil},
		{"POST", api + "/projects", auth, map[string]any{
			"namespace_id": 42.0, "name": "api", "path": "api", "visibility": "internal", "topics": []any{"go", "payments"},
			"ci_config_path": ".gitlab/ci.yml", "description": "Payments API",
		}},
		{"POST", api + "/projects/7/repository/branches", auth, map[string]any{"branch": "develop", "ref": "main"}},
		{"POST", api + "/projects/7/protected_branches", auth, map[string]any{"name": "develop"}},
		{"POST", api + "/projects/7/variables", auth, map[string]any{
			"key": "REGION", "value": "eu-west-1", "variable_type": "env_var", "protected": false, "masked": true,
			"raw": false, "environment_scope": "*",
		}},
	}
	if d := cmp.Diff(want, f.calls()); d != "" {
		t.Errorf("API requests (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{basicAuth("oauth2", "glpat-config")}, f.git.authorizations()); d != "" {
		t.Errorf("git push Authorization (-want +got):\n%s", d)
	}
	got, hash := readBranch(t, bare, "main")
	if got.Message != "Initial commit" || len(got.Files) != 7 || got.Files["docs/index.md"] != "docs\n" {
		t.Errorf("pushed commit = %+v", got)
	}
	wantOut := map[string]any{
		"remoteUrl":       f.srv.URL + "/git/acme/payments/api",
		"repoContentsUrl": f.srv.URL + "/git/acme/payments/api/-/blob/main",
		"projectId":       int64(7),
		"commitHash":      hash,
		"created":         true,
	}
	if d := cmp.Diff(wantOut, res.Outputs); d != "" {
		t.Errorf("outputs (-want +got):\n%s", d)
	}
}

func TestPublishGitLabUserAsOwner(t *testing.T) {
	f := newFakeForge(t)
	bare := f.git.bare(t, "ada/notes.git")
	api := "/api/v4"
	f.on("GET "+api+"/namespaces/ada", 200, map[string]any{"id": 5, "kind": "user"})
	f.on("POST "+api+"/projects", 201, map[string]any{"id": 9, "http_url_to_repo": f.srv.URL + "/git/ada/notes.git"})
	f.on("GET "+api+"/user", 200, map[string]any{"id": 55, "username": "ada"})
	f.on("POST "+api+"/projects/9/members", 201, map[string]any{"id": 55})

	res := runAction(t, actionByID(t, gitlabDeps(f, "glpat-admin"), "publish:gitlab"), map[string]any{
		"repoUrl": f.host() + "?owner=ada&repo=notes", "token": "oauth-user", "setUserAsOwner": true,
	}, map[string]string{"notes.md": "notes\n"})
	if res.Err != nil {
		t.Fatalf("%v\n%s", res.Err, res.Logs)
	}
	user := "Bearer oauth-user"
	want := []call{
		{"GET", api + "/namespaces/ada", user, nil},
		{"POST", api + "/projects", user, map[string]any{"namespace_id": 5.0, "name": "notes", "path": "notes", "visibility": "private"}},
		{"GET", api + "/user", user, nil},
		{"POST", api + "/projects/9/members", "PRIVATE-TOKEN glpat-admin", map[string]any{"user_id": 55.0, "access_level": 50.0, "expires_at": nil}},
	}
	if d := cmp.Diff(want, f.calls()); d != "" {
		t.Errorf("API requests (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{basicAuth("oauth2", "oauth-user")}, f.git.authorizations()); d != "" {
		t.Errorf("git push Authorization (-want +got):\n%s", d)
	}
	if got, _ := readBranch(t, bare, "master"); got.Files["notes.md"] != "notes\n" {
		t.Errorf("pushed files = %v", got.Files)
	}
}

func TestPublishGitLabSkipExistingAndErrors(t *testing.T) {
	f := newFakeForge(t)
	api := "/api/v4"
	f.on("GET "+api+"/projects/acme%2Fexisting", 200, map[string]any{
		"id": 3, "path_with_namespace": "acme/existing", "http_url_to_repo": "https://gitlab.example.com/acme/existing.git",
	})
	f.on("GET "+api+"/namespaces/ghost", 404, map[string]any{"message": "404 Namespace Not Found"})
	deps := gitlabDeps(f, "glpat-config")

	res := runAction(t, actionByID(t, deps, "publish:gitlab"), map[string]any{
		"repoUrl": f.host() + "?owner=acme&repo=existing", "skipExisting": true, "defaultBranch": "main",
	}, skeleton)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	wantOut := map[string]any{
		"remoteUrl": "https://gitlab.example.com/acme/existing", "repoContentsUrl": "https://gitlab.example.com/acme/existing/-/blob/main",
		"projectId": int64(3), "created": false,
	}
	if d := cmp.Diff(wantOut, res.Outputs); d != "" {
		t.Errorf("outputs (-want +got):\n%s", d)
	}

	for _, tc := range []struct {
		name, wantName, want string
		deps                 Deps
		input                map[string]any
	}{{
		name: "unknown namespace", deps: deps, wantName: problem.InputError,
		input: map[string]any{"repoUrl": f.host() + "?owner=ghost&repo=x"},
		want:  "publish:gitlab: The namespace ghost is not found or the user doesn't have permissions to access it",
	}, {
		name: "no token", deps: gitlabDeps(f, ""), wantName: problem.InputError,
		input: map[string]any{"repoUrl": f.host() + "?owner=acme&repo=x"},
		want:  "publish:gitlab: No token available for host " + f.host(),
	}, {
		name: "missing owner", deps: deps, wantName: problem.InputError,
		input: map[string]any{"repoUrl": f.host() + "?repo=x"},
		want:  "publish:gitlab: Invalid repo URL passed to publisher: https://" + f.host() + "/?repo=x, missing owner",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			res := runAction(t, actionByID(t, tc.deps, "publish:gitlab"), tc.input, skeleton)
			p, ok := problem.As(res.Err)
			if !ok || p.Name != tc.wantName || p.Message != tc.want {
				t.Errorf("error = %v\nwant   %s: %s", res.Err, tc.wantName, tc.want)
			}
		})
	}
}

func TestGitLabMergeRequest(t *testing.T) {
	f := newFakeForge(t)
	api := "/api/v4"
	proj := api + "/projects/acme%2Fplatform"
	f.on("GET "+api+"/users?username=grace", 200, []any{map[string]any{"id": 11, "username": "grace"}})
	f.on("GET "+api+"/users?username=ada", 200, []any{map[string]any{"id": 12, "username": "ada"}})
	f.on("GET "+api+"/users?username=nobody", 200, []any{})
	f.on("GET "+proj, 200, map[string]any{"id": 4, "default_branch": "main"})
	f.on("HEAD "+proj+"/repository/files/services%2Fpayments%2FREADME%2Emd?ref=main", 200, nil)
	f.on("POST "+proj+"/repository/branches", 201, map[string]any{"name": "add-payments"})
	f.on("POST "+proj+"/repository/commits", 201, map[string]any{"id": "abc"})
	f.on("POST "+proj+"/merge_requests", 201, map[string]any{"iid": 5, "web_url": "https://gitlab.example.com/acme/platform/-/merge_requests/5"})

	res := runAction(t, actionByID(t, gitlabDeps(f, "glpat-config"), "publish:gitlab:merge-request"), map[string]any{
		"repoUrl":            f.host() + "?owner=acme&repo=platform",
		"branchName":         "add-payments",
		"title":              "Add payments",
		"description":        "From the template.",
		"targetPath":         "services/payments",
		"draft":              true,
		"removeSourceBranch": true,
		"assignee":           "grace",
		"reviewers":          []any{"ada", "nobody"},
		"labels":             []any{"scaffolded", "payments"},
	}, map[string]string{"README.md": "# payments\n", "run.sh*": "#!/bin/sh\n"})
	if res.Err != nil {
		t.Fatalf("%v\n%s", res.Err, res.Logs)
	}
	auth := "PRIVATE-TOKEN glpat-config"
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	want := []call{
		{"GET", api + "/users?username=grace", auth, nil},
		{"GET", api + "/users?username=ada", auth, nil},
		{"GET", api + "/users?username=nobody", auth, nil},
		{"GET", proj, auth, nil},
		{"HEAD", proj + "/repository/files/services%2Fpayments%2FREADME%2Emd?ref=main", auth, nil},
		{"HEAD", proj + "/repository/files/services%2Fpayments%2Frun%2Esh?ref=main", auth, nil},
		{"POST", proj + "/repository/branches", auth, map[string]any{"branch": "add-payments", "ref": "main"}},
		{"POST", proj + "/repository/commits", auth, map[string]any{
			"branch": "add-payments", "commit_message": "Add payments",
			"actions": []any{
				map[string]any{"action": "update", "file_path": "services/payments/README.md", "encoding": "base64",
					"content": b64("# payments\n"), "execute_filemode": false},
				map[string]any{"action": "create", "file_path": "services/payments/run.sh", "encoding": "base64",
					"content": b64("#!/bin/sh\n"), "execute_filemode": true},
			},
		}},
		{"POST", proj + "/merge_requests", auth, map[string]any{
			"title": "Draft: Add payments", "description": "From the template.", "source_branch": "add-payments",
			"target_branch": "main", "remove_source_branch": true, "assignee_id": 11.0, "reviewer_ids": []any{12.0},
			"labels": "scaffolded,payments",
		}},
	}
	if d := cmp.Diff(want, f.calls()); d != "" {
		t.Errorf("API requests (-want +got):\n%s", d)
	}
	wantOut := map[string]any{
		"projectid": "acme/platform", "projectPath": "acme/platform", "targetBranchName": "main",
		"mergeRequestUrl": "https://gitlab.example.com/acme/platform/-/merge_requests/5",
	}
	if d := cmp.Diff(wantOut, res.Outputs); d != "" {
		t.Errorf("outputs (-want +got):\n%s", d)
	}
	if !strings.Contains(res.Logs, "failed to find the reviewer") {
		t.Errorf("logs do not mention the unknown reviewer:\n%s", res.Logs)
	}
}

func TestGitLabMergeRequestByProjectID(t *testing.T) {
	f := newFakeForge(t)
	proj := "/api/v4/projects/42"
	f.on("POST "+proj+"/repository/branches", 400, map[string]any{"message": "Branch already exists"})
	res := runAction(t, actionByID(t, gitlabDeps(f, "glpat-config"), "publish:gitlab:merge-request"), map[string]any{
		"repoUrl": f.host() + "?project=42", "branchName": "b", "title": "t", "description": "d",
		"targetBranchName": "main", "commitAction": "create", "token": "user-token",
	}, map[string]string{"a.md": "a\n"})
	want := "InputError: publish:gitlab:merge-request: The branch creation failed. Please check that your repo does not already contain a branch named 'b': POST " +
		f.srv.URL + proj + "/repository/branches: 400"
	if res.Err == nil || !strings.HasPrefix(res.Err.Error(), want) {
		t.Errorf("error = %v\nwant   %s...", res.Err, want)
	}
	if d := cmp.Diff([]call{{"POST", proj + "/repository/branches", "Bearer user-token", map[string]any{"branch": "b", "ref": "main"}}}, f.calls()); d != "" {
		t.Errorf("API requests (-want +got):\n%s", d)
	}
}

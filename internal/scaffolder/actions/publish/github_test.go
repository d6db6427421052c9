package publish

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/nacl/box"

	"github.com/callboard/callboard/internal/integration"
	"github.com/callboard/callboard/internal/integration/github"
	"github.com/callboard/callboard/internal/problem"
)

// githubDeps configures the fake forge as a GitHub Enterprise host.
func githubDeps(f *fakeForge, token string) Deps {
	return Deps{Integrations: integration.Config{GitHub: []github.Config{{
		Host: f.host(), APIBaseURL: f.srv.URL + "/api/v3", Token: token,
	}}}}
}

func basicAuth(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

func TestPublishGitHubOrganization(t *testing.T) {
	f := newFakeForge(t)
	bare := f.git.bare(t, "acme/payments.git")
	pub, priv, err := box.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	api := "/api/v3"
	repo := api + "/repos/acme/payments"
	f.on("GET "+api+"/users/acme", 200, map[string]any{"login": "acme", "type": "Organization"})
	f.on("POST "+api+"/orgs/acme/repos", 201, map[string]any{
		"full_name": "acme/payments", "clone_url": f.srv.URL + "/git/acme/payments.git",
		"html_url": "https://ghe.example.com/acme/payments", "default_branch": "main",
	})
	f.on("PUT "+api+"/orgs/acme/teams/platform/repos/acme/payments", 204, nil)
	f.on("PUT "+repo+"/collaborators/ada", 201, map[string]any{})
	f.on("PUT "+api+"/orgs/acme/teams/sre/repos/acme/payments", 204, nil)
	f.on("PUT "+repo+"/topics", 200, map[string]any{"names": []string{"go", "payments"}})
	f.on("POST "+repo+"/actions/variables", 201, map[string]any{})
	f.on("GET "+repo+"/actions/secrets/public-key", 200, map[string]any{"key_id": "key-1", "key": base64.StdEncoding.EncodeToString(pub[:])})
	f.on("PUT "+repo+"/actions/secrets/DEPLOY_TOKEN", 201, map[string]any{})
	f.on("PUT "+repo+"/subscription", 200, map[string]any{"subscribed": true})
	f.on("PUT "+repo+"/branches/main/protection", 200, map[string]any{})
	f.on("POST "+repo+"/branches/main/protection/required_signatures", 200, map[string]any{})

	res := runAction(t, actionByID(t, githubDeps(f, "ghp_config"), "publish:github"), map[string]any{
		"repoUrl":        f.host() + "?owner=acme&repo=payments",
		"description":    "Payments service",
		"homepage":       "https://payments.example.com",
		"repoVisibility": "internal",
		"defaultBranch":  "main",
		"access":         "acme/platform",
		"collaborators": []any{
			map[string]any{"user": "user:default/ada", "access": "push"},
			map[string]any{"team": "sre", "access": "maintain"},
		},
		"topics":                       []any{"Go", "payments"},
		"repoVariables":                map[string]any{"REGION": "eu-west-1"},
		"secrets":                      map[string]any{"DEPLOY_TOKEN": "s3cret"},
		"customProperties":             map[string]any{"team": "payments"},
		"subscribe":                    true,
		"deleteBranchOnMerge":          true,
		"allowRebaseMerge":             false,
		"hasWiki":                      false,
		"requiredApprovingReviewCount": 2,
		"requiredStatusCheckContexts":  []any{"ci/build"},
		"requireCodeOwnerReviews":      true,
		"bypassPullRequestAllowances":  map[string]any{"teams": []any{"release"}},
		"requiredCommitSigning":        true,
		"gitCommitMessage":             "Scaffold payments",
	}, skeleton)
	if res.Err != nil {
		t.Fatalf("%v\n%s", res.Err, res.Logs)
	}

	got := f.calls()
	// The secret is sealed for the repository's key: open it to compare.
	for i, c := range got {
		if c.Path == repo+"/actions/secrets/DEPLOY_TOKEN" {
			body := c.Body.(map[string]any)
			sealed, _ := base64.StdEncoding.DecodeString(body["encrypted_value"].(string))
			plain, ok := box.OpenAnonymous(nil, sealed, pub, priv)
			if !ok {
				t.Fatalf("the secret does not open with the repository's key")
			}
			body["encrypted_value"] = "sealed:" + string(plain)
			got[i].Body = body
		}
	}
	auth := "Bearer ghp_config"
	want := []call{
		{"GET", api + "/users/acme", auth, nil},
		{"POST", api + "/orgs/acme/repos", auth, map[string]any{
			"name": "payments", "description": "Payments service", "homepage": "https://payments.example.com",
			"private": false, "visibility": "internal", "has_wiki": false,
			"delete_branch_on_merge": true, "allow_merge_commit": true, "allow_squash_merge": true, "allow_rebase_merge": false,
			"allow_auto_merge": false, "allow_update_branch": false,
			"squash_merge_commit_title": "COMMIT_OR_PR_TITLE", "squash_merge_commit_message": "COMMIT_MESSAGES",
			"custom_properties": map[string]any{"team": "payments"},
		}},
		{"PUT", api + "/orgs/acme/teams/platform/repos/acme/payments", auth, map[string]any{"permission": "admin"}},
		{"PUT", repo + "/collaborators/ada", auth, map[string]any{"permission": "push"}},
		{"PUT", api + "/orgs/acme/teams/sre/repos/acme/payments", auth, map[string]any{"permission": "maintain"}},
		{"PUT", repo + "/topics", auth, map[string]any{"names": []any{"go", "payments"}}},
		{"POST", repo + "/actions/variables", auth, map[string]any{"name": "REGION", "value": "eu-west-1"}},
		{"GET", repo + "/actions/secrets/public-key", auth, nil},
		{"PUT", repo + "/actions/secrets/DEPLOY_TOKEN", auth, map[string]any{"key_id": "key-1", "encrypted_value": "sealed:s3cret"}},
		{"PUT", repo + "/subscription", auth, map[string]any{"subscribed": true}},
		{"PUT", repo + "/branches/main/protection", auth, map[string]any{
			"required_status_checks": map[string]any{"strict": true, "contexts": []any{"ci/build"}},
			"required_pull_request_reviews": map[string]any{
				"dismiss_stale_reviews": false, "require_code_owner_reviews": true, "required_approving_review_count": 2.0,
				"require_last_push_approval":     false,
				"bypass_pull_request_allowances": map[string]any{"users": []any{}, "teams": []any{"release"}, "apps": []any{}},
			},
			"enforce_admins": true, "restrictions": nil,
			"required_conversation_resolution": false, "required_linear_history": false,
		}},
		{"POST", repo + "/branches/main/protection/required_signatures", auth, nil},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("API requests (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{basicAuth("x-access-token", "ghp_config")}, f.git.authorizations()); d != "" {
		t.Errorf("git push Authorization (-want +got):\n%s", d)
	}
	pushedCommit, hash := readBranch(t, bare, "main")
	if pushedCommit.Message != "Scaffold payments" || pushedCommit.AuthorName != "Scaffolder" || pushedCommit.Files["catalog-info.yaml"] != "kind: Component\n" {
		t.Errorf("pushed commit = %+v", pushedCommit)
	}
	wantOut := map[string]any{
		"remoteUrl":       f.srv.URL + "/git/acme/payments.git",
		"repoContentsUrl": "https://ghe.example.com/acme/payments/blob/main",
		"commitHash":      hash,
	}
	if d := cmp.Diff(wantOut, res.Outputs); d != "" {
		t.Errorf("outputs (-want +got):\n%s", d)
	}
}

func TestPublishGitHubUser(t *testing.T) {
	f := newFakeForge(t)
	bare := f.git.bare(t, "ada/notes.git")
	api := "/api/v3"
	f.on("GET "+api+"/users/ada", 200, map[string]any{"login": "ada", "type": "User"})
	f.on("POST "+api+"/user/repos", 201, map[string]any{
		"clone_url": f.srv.URL + "/git/ada/notes.git", "html_url": "https://ghe.example.com/ada/notes",
	})
	// Branch protection fails: the action logs it and goes on.
	f.on("PUT "+api+"/repos/ada/notes/branches/master/protection", 403, map[string]any{"message": "Upgrade to GitHub Pro"})

	res := runAction(t, actionByID(t, githubDeps(f, "ghp_config"), "publish:github"), map[string]any{
		"repoUrl": f.host() + "?owner=ada&repo=notes",
		"token":   "ghp_user",
	}, skeleton)
	if res.Err != nil {
		t.Fatalf("%v\n%s", res.Err, res.Logs)
	}
	auth := "Bearer ghp_user"
	want := []call{
		{"GET", api + "/users/ada", auth, nil},
		{"POST", api + "/user/repos", auth, map[string]any{
			"name": "notes", "private": true,
			"delete_branch_on_merge": false, "allow_merge_commit": true, "allow_squash_merge": true, "allow_rebase_merge": true,
			"allow_auto_merge": false, "allow_update_branch": false,
			"squash_merge_commit_title": "COMMIT_OR_PR_TITLE", "squash_merge_commit_message": "COMMIT_MESSAGES",
		}},
		{"PUT", api + "/repos/ada/notes/branches/master/protection", auth, map[string]any{
			"required_status_checks": map[string]any{"strict": true, "contexts": []any{}},
			"required_pull_request_reviews": map[string]any{
				"dismiss_stale_reviews": false, "require_code_owner_reviews": false, "required_approving_review_count": 1.0,
				"require_last_push_approval": false,
			},
			"enforce_admins": true, "restrictions": nil,
			"required_conversation_resolution": false, "required_linear_history": false,
		}},
	}
	if d := cmp.Diff(want, f.calls()); d != "" {
		t.Errorf("API requests (-want +got):\n%s", d)
	}
	if !strings.Contains(res.Logs, "skipping the default branch protection") || !strings.Contains(res.Logs, "Upgrade to GitHub Pro") {
		t.Errorf("logs do not report the protection failure:\n%s", res.Logs)
	}
	if strings.Contains(res.Logs, "ghp_user") {
		t.Errorf("logs show the token:\n%s", res.Logs)
	}
	got, _ := readBranch(t, bare, "master")
	if len(got.Files) != 7 {
		t.Errorf("pushed files = %v", got.Files)
	}
	if d := cmp.Diff([]string{basicAuth("x-access-token", "ghp_user")}, f.git.authorizations()); d != "" {
		t.Errorf("git push Authorization (-want +got):\n%s", d)
	}
}

func TestGitHubRepoCreateAndPush(t *testing.T) {
	f := newFakeForge(t)
	bare := f.git.bare(t, "acme/api.git")
	api := "/api/v3"
	f.on("GET "+api+"/users/acme", 200, map[string]any{"type": "Organization"})
	f.on("POST "+api+"/orgs/acme/repos", 201, map[string]any{
		"clone_url": f.srv.URL + "/git/acme/api.git", "html_url": "https://ghe.example.com/acme/api", "default_branch": "main",
	})
	f.on("GET "+api+"/repos/acme/api", 200, map[string]any{
		"clone_url": f.srv.URL + "/git/acme/api.git", "html_url": "https://ghe.example.com/acme/api", "default_branch": "main",
	})
	deps := githubDeps(f, "ghp_config")
	input := map[string]any{"repoUrl": f.host() + "?owner=acme&repo=api", "repoVisibility": "public"}
	res := runAction(t, actionByID(t, deps, "github:repo:create"), input, nil)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	want := map[string]any{"remoteUrl": f.srv.URL + "/git/acme/api.git", "repoContentsUrl": "https://ghe.example.com/acme/api/blob/main"}
	if d := cmp.Diff(want, res.Outputs); d != "" {
		t.Errorf("github:repo:create outputs (-want +got):\n%s", d)
	}
	res = runAction(t, actionByID(t, deps, "github:repo:push"), map[string]any{
		"repoUrl": f.host() + "?owner=acme&repo=api", "defaultBranch": "main", "protectDefaultBranch": false,
		"gitAuthorName": "Ada", "gitAuthorEmail": "ada@example.com",
	}, map[string]string{"main.go": "package main\n"})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	got, hash := readBranch(t, bare, "main")
	wantCommit := pushed{Message: "Initial commit", AuthorName: "Ada", AuthorEmail: "ada@example.com", Files: map[string]string{"main.go": "package main\n"}}
	if d := cmp.Diff(wantCommit, got); d != "" {
		t.Errorf("pushed commit (-want +got):\n%s", d)
	}
	want["commitHash"] = hash
	if d := cmp.Diff(want, res.Outputs); d != "" {
		t.Errorf("github:repo:push outputs (-want +got):\n%s", d)
	}
	var paths []string
	for _, c := range f.calls() {
		paths = append(paths, c.Method+" "+c.Path)
	}
	wantPaths := []string{"GET " + api + "/users/acme", "POST " + api + "/orgs/acme/repos", "GET " + api + "/repos/acme/api"}
	if d := cmp.Diff(wantPaths, paths); d != "" {
		t.Errorf("API requests (-want +got):\n%s", d)
	}
}

func TestGitHubErrors(t *testing.T) {
	f := newFakeForge(t)
	api := "/api/v3"
	f.on("GET "+api+"/users/acme", 200, map[string]any{"type": "Organization"})
	f.on("POST "+api+"/orgs/acme/repos", 422, map[string]any{
		"message": "Repository creation failed.",
		"errors":  []any{map[string]any{"resource": "Repository", "code": "custom", "field": "name", "message": "name already exists on this account"}},
	})
	f.on("GET "+api+"/users/ghost", 404, map[string]any{"message": "Not Found"})
	for _, tc := range []struct {
		name     string
		deps     Deps
		id       string
		input    map[string]any
		wantName string
		want     string
	}{{
		name: "repository exists", deps: githubDeps(f, "t"), id: "publish:github",
		input:    map[string]any{"repoUrl": f.host() + "?owner=acme&repo=payments"},
		wantName: problem.InputError,
		want:     "publish:github: Failed to create the Organization repository acme/payments: POST " + f.srv.URL + api + "/orgs/acme/repos: 422 Repository creation failed.",
	}, {
		name: "unknown owner", deps: githubDeps(f, "t"), id: "github:repo:create",
		input:    map[string]any{"repoUrl": f.host() + "?owner=ghost&repo=x"},
		wantName: problem.NotFoundError,
		want:     "github:repo:create: look up the owner ghost: GET " + f.srv.URL + api + "/users/ghost: 404 Not Found",
	}, {
		name: "no token", deps: githubDeps(f, ""), id: "publish:github",
		input:    map[string]any{"repoUrl": f.host() + "?owner=acme&repo=payments"},
		wantName: problem.InputError,
		want:     "publish:github: No token available for host: " + f.host() + ", with owner acme, and repo payments",
	}, {
		name: "host without integration", deps: githubDeps(f, "t"), id: "github:webhook",
		input:    map[string]any{"repoUrl": "git.example.org?owner=acme&repo=payments", "webhookUrl": "https://ci.example.com"},
		wantName: problem.InputError,
		want:     "github:webhook: No matching integration configuration for host git.example.org, please check your integrations config",
	}, {
		name: "GitLab host", deps: githubDeps(f, "t"), id: "publish:github",
		input:    map[string]any{"repoUrl": "gitlab.com?owner=acme&repo=payments"},
		wantName: problem.InputError,
		want:     "publish:github: No matching integration configuration for host gitlab.com, please check your integrations config",
	}, {
		name: "missing repo", deps: githubDeps(f, "t"), id: "github:actions:dispatch",
		input:    map[string]any{"repoUrl": f.host() + "?owner=acme", "workflowId": "x", "branchOrTagName": "main"},
		wantName: problem.InputError,
		want:     "github:actions:dispatch: Invalid repo URL passed to publisher: https://" + f.host() + "/?owner=acme, missing repo",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			res := runAction(t, actionByID(t, tc.deps, tc.id), tc.input, skeleton)
			if res.Err == nil {
				t.Fatal("no error")
			}
			p, ok := problem.As(res.Err)
			if !ok || p.Name != tc.wantName || !strings.HasPrefix(p.Message, tc.want) {
				t.Errorf("error = %v\nwant   %s: %s...", res.Err, tc.wantName, tc.want)
			}
		})
	}
}

func TestGitHubDispatchAndWebhook(t *testing.T) {
	f := newFakeForge(t)
	repo := "/api/v3/repos/acme/payments"
	f.on("POST "+repo+"/actions/workflows/deploy.yaml/dispatches", 200, map[string]any{
		"workflow_run_id": 99, "run_url": "https://api.example.com/runs/99", "html_url": "https://ghe.example.com/runs/99",
	})
	f.on("POST "+repo+"/actions/workflows/1234/dispatches", http.StatusNoContent, nil)
	f.on("POST "+repo+"/hooks", 201, map[string]any{"id": 1})
	deps := githubDeps(f, "ghp_config")
	repoURL := f.host() + "?owner=acme&repo=payments"

	for _, tc := range []struct {
		name  string
		id    string
		input map[string]any
		want  call
		out   map[string]any
	}{{
		name: "dispatch with run details", id: "github:actions:dispatch",
		input: map[string]any{"repoUrl": repoURL, "workflowId": "deploy.yaml", "branchOrTagName": "main",
			"workflowInputs": map[string]any{"environment": "staging"}, "returnWorkflowRunDetails": true},
		want: call{"POST", repo + "/actions/workflows/deploy.yaml/dispatches", "Bearer ghp_config",
			map[string]any{"ref": "main", "inputs": map[string]any{"environment": "staging"}, "return_run_details": true}},
		out: map[string]any{"workflowRunId": int64(99), "workflowRunUrl": "https://api.example.com/runs/99", "workflowRunHtmlUrl": "https://ghe.example.com/runs/99"},
	}, {
		name: "dispatch by id", id: "github:actions:dispatch",
		input: map[string]any{"repoUrl": repoURL, "workflowId": "1234", "branchOrTagName": "v1.2.0", "token": "ghp_user"},
		want:  call{"POST", repo + "/actions/workflows/1234/dispatches", "Bearer ghp_user", map[string]any{"ref": "v1.2.0"}},
		out:   map[string]any{},
	}, {
		name: "webhook with defaults", id: "github:webhook",
		input: map[string]any{"repoUrl": repoURL, "webhookUrl": "https://ci.example.com/hook"},
		want: call{"POST", repo + "/hooks", "Bearer ghp_config", map[string]any{
			"name": "web", "events": []any{"push"}, "active": true,
			"config": map[string]any{"url": "https://ci.example.com/hook", "content_type": "form", "insecure_ssl": "0"},
		}},
		out: map[string]any{},
	}, {
		name: "webhook", id: "github:webhook",
		input: map[string]any{"repoUrl": repoURL, "webhookUrl": "https://ci.example.com/hook", "webhookSecret": "hush",
			"events": []any{"push", "pull_request"}, "active": false, "contentType": "json", "insecureSsl": true},
		want: call{"POST", repo + "/hooks", "Bearer ghp_config", map[string]any{
			"name": "web", "events": []any{"push", "pull_request"}, "active": false,
			"config": map[string]any{"url": "https://ci.example.com/hook", "content_type": "json", "insecure_ssl": "1", "secret": "hush"},
		}},
		out: map[string]any{},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(f.calls())
			res := runAction(t, actionByID(t, deps, tc.id), tc.input, nil)
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			if d := cmp.Diff([]call{tc.want}, f.calls()[before:]); d != "" {
				t.Errorf("API requests (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.out, res.Outputs); d != "" {
				t.Errorf("outputs (-want +got):\n%s", d)
			}
		})
	}
}

package publish

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/integration"
	"github.com/callboard/callboard/internal/integration/gitea"
	"github.com/callboard/callboard/internal/problem"
)

func giteaDeps(f *fakeForge, user, password string) Deps {
	return Deps{Integrations: integration.Config{Gitea: []gitea.Config{{Host: f.host(), BaseURL: f.srv.URL, Username: user, Password: password}}}}
}

// giteaRepoBody is the body the Gitea SDK sends to create a repository.
func giteaRepoBody(name, description, branch string, private bool) map[string]any {
	return map[string]any{
		"name": name, "description": description, "private": private, "issue_labels": "", "auto_init": false,
		"template": false, "gitignores": "", "license": "", "readme": "", "default_branch": branch,
		"trust_model": "", "object_format_name": "",
	}
}

func TestPublishGitea(t *testing.T) {
	for _, tc := range []struct {
		name     string
		deps     func(*fakeForge) Deps
		setup    func(*fakeForge)
		input    map[string]any
		repo     string
		branch   string
		auth     string
		want     []call
		gitAuths []string
	}{{
		name: "organization",
		deps: func(f *fakeForge) Deps { return giteaDeps(f, "bot", "pw") },
		setup: func(f *fakeForge) {
			f.on("GET /api/v1/orgs/acme", 200, map[string]any{"username": "acme"})
			f.on("POST /api/v1/orgs/acme/repos", 201, map[string]any{
				"clone_url": f.srv.URL + "/git/acme/payments.git", "html_url": "https://gitea.example.com/acme/payments",
			})
		},
		input:  map[string]any{"repoUrl": "?owner=acme&repo=payments", "description": "Payments", "repoVisibility": "private"},
		repo:   "acme/payments.git",
		branch: "main",
		want: []call{
			{"GET", "/api/v1/orgs/acme", basicAuth("bot", "pw"), nil},
			{"POST", "/api/v1/orgs/acme/repos", basicAuth("bot", "pw"), giteaRepoBody("payments", "Payments", "main", true)},
		},
		gitAuths: []string{basicAuth("bot", "pw")},
	}, {
		name: "the token's user",
		deps: func(f *fakeForge) Deps { return giteaDeps(f, "", "") },
		setup: func(f *fakeForge) {
			f.on("GET /api/v1/orgs/ada", 404, map[string]any{"message": "GetOrgByName"})
			f.on("GET /api/v1/user", 200, map[string]any{"login": "ada"})
			f.on("POST /api/v1/user/repos", 201, map[string]any{
				"clone_url": f.srv.URL + "/git/ada/notes.git", "html_url": "https://gitea.example.com/ada/notes",
			})
		},
		input:  map[string]any{"repoUrl": "?owner=ada&repo=notes", "token": "gt-1", "defaultBranch": "trunk"},
		repo:   "ada/notes.git",
		branch: "trunk",
		want: []call{
			{"GET", "/api/v1/orgs/ada", "token gt-1", nil},
			{"GET", "/api/v1/user", "token gt-1", nil},
			{"POST", "/api/v1/user/repos", "token gt-1", giteaRepoBody("notes", "", "trunk", false)},
		},
		gitAuths: []string{basicAuth("oauth2", "gt-1")},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeForge(t)
			bare := f.git.bare(t, tc.repo)
			tc.setup(f)
			tc.input["repoUrl"] = f.host() + tc.input["repoUrl"].(string)
			res := runAction(t, actionByID(t, tc.deps(f), "publish:gitea"), tc.input, skeleton)
			if res.Err != nil {
				t.Fatalf("%v\n%s", res.Err, res.Logs)
			}
			if d := cmp.Diff(tc.want, f.calls()); d != "" {
				t.Errorf("API requests (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.gitAuths, f.git.authorizations()); d != "" {
				t.Errorf("git push Authorization (-want +got):\n%s", d)
			}
			got, hash := readBranch(t, bare, tc.branch)
			if got.Files["README.md"] != "# service\n" || len(got.Files) != 7 {
				t.Errorf("pushed files = %v", got.Files)
			}
			html := "https://gitea.example.com/" + tc.repo[:len(tc.repo)-len(".git")]
			wantOut := map[string]any{
				"remoteUrl": f.srv.URL + "/git/" + tc.repo, "repoContentsUrl": html + "/src/branch/" + tc.branch + "/", "commitHash": hash,
			}
			if d := cmp.Diff(wantOut, res.Outputs); d != "" {
				t.Errorf("outputs (-want +got):\n%s", d)
			}
		})
	}
}

func TestPublishGiteaErrors(t *testing.T) {
	f := newFakeForge(t)
	f.on("GET /api/v1/orgs/ghost", 404, map[string]any{"message": "not found"})
	f.on("GET /api/v1/user", 200, map[string]any{"login": "bot"})
	f.on("GET /api/v1/orgs/acme", 200, map[string]any{"username": "acme"})
	f.on("POST /api/v1/orgs/acme/repos", 409, map[string]any{"message": "The repository with the same name already exists."})
	for _, tc := range []struct {
		name, wantName, want string
		deps                 Deps
		input                map[string]any
	}{{
		name: "unknown owner", deps: giteaDeps(f, "bot", "pw"), wantName: problem.InputError,
		input: map[string]any{"repoUrl": f.host() + "?owner=ghost&repo=x"},
		want:  "publish:gitea: Organization ghost does not exist. Please verify that the organization exists, or that it is the authenticated user (bot)",
	}, {
		name: "repository exists", deps: giteaDeps(f, "bot", "pw"), wantName: problem.ConflictError,
		input: map[string]any{"repoUrl": f.host() + "?owner=acme&repo=payments"},
		want:  "publish:gitea: Unable to create repository acme/payments: The repository with the same name already exists.",
	}, {
		name: "no owner", deps: giteaDeps(f, "bot", "pw"), wantName: problem.InputError,
		input: map[string]any{"repoUrl": f.host() + "?repo=x"},
		want:  "publish:gitea: Invalid repo URL passed to publisher: " + f.host() + "?repo=x, missing owner",
	}, {
		name: "no credentials", deps: giteaDeps(f, "", ""), wantName: problem.InputError,
		input: map[string]any{"repoUrl": f.host() + "?owner=acme&repo=x"},
		want:  "publish:gitea: No credentials available for host " + f.host() + ": set integrations.gitea username and password, or the token input",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			res := runAction(t, actionByID(t, tc.deps, "publish:gitea"), tc.input, skeleton)
			p, ok := problem.As(res.Err)
			if !ok || p.Name != tc.wantName || p.Message != tc.want {
				t.Errorf("error = %v\nwant   %s: %s", res.Err, tc.wantName, tc.want)
			}
		})
	}
}

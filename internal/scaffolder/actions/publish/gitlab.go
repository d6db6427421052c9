package publish

import (
	"context"
	"net/http"
	"strings"

	gl "gitlab.com/gitlab-org/api/client-go/v2"
	"golang.org/x/oauth2"

	"github.com/callboard/callboard/internal/integration/gitlab"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/scaffolder/repourl"
	"github.com/callboard/callboard/plugin"
)

// gitlabTarget is a project on a configured GitLab host and a client
// authenticated for it.
type gitlabTarget struct {
	client *gl.Client
	token  string
	cfg    gitlab.Config
	repo   repourl.RepoURL
}

// gitlabFor parses repoURL and returns a client authenticated with the
// token input (as an OAuth token), else with the integration's token (as
// a private token), as Backstage does.
func (e *env) gitlabFor(repoURL, token string) (*gitlabTarget, error) {
	r, err := e.forges.parse(repoURL)
	if err != nil {
		return nil, err
	}
	cfg, err := e.forges.gitlabFor(r.Host)
	if err != nil {
		return nil, err
	}
	tok := firstOf(token, cfg.Token)
	if tok == "" {
		return nil, problem.Input("No token available for host %s", r.Host)
	}
	c, err := e.gitlabClient(cfg, token)
	if err != nil {
		return nil, err
	}
	return &gitlabTarget{client: c, token: tok, cfg: cfg, repo: r}, nil
}

func (e *env) gitlabClient(cfg gitlab.Config, userToken string) (*gl.Client, error) {
	opts := []gl.ClientOptionFunc{gl.WithBaseURL(cfg.APIBaseURL), gl.WithHTTPClient(e.http)}
	var (
		c   *gl.Client
		err error
	)
	if userToken != "" {
		ts := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: userToken})
		c, err = gl.NewAuthSourceClient(gl.OAuthTokenSource{TokenSource: ts}, opts...)
	} else {
		c, err = gl.NewClient(cfg.Token, opts...)
	}
	if err != nil {
		return nil, problem.Input("GitLab client for %s: %v", cfg.Host, err)
	}
	return c, nil
}

// glError names a failed GitLab call and classifies it by its status.
func glError(call string, resp *gl.Response, err error) error {
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	return apiError(call, status, err)
}

type publishGitLabInput struct {
	RepoURL          string           `json:"repoUrl"`
	RepoVisibility   *string          `json:"repoVisibility"`
	DefaultBranch    *string          `json:"defaultBranch"`
	SourcePath       string           `json:"sourcePath"`
	GitCommitMessage string           `json:"gitCommitMessage"`
	GitAuthorName    string           `json:"gitAuthorName"`
	GitAuthorEmail   string           `json:"gitAuthorEmail"`
	Token            string           `json:"token"`
	SetUserAsOwner   bool             `json:"setUserAsOwner"`
	SkipExisting     bool             `json:"skipExisting"`
	Topics           []string         `json:"topics"`
	Settings         map[string]any   `json:"settings"`
	Branches         []gitlabBranch   `json:"branches"`
	ProjectVariables []gitlabVariable `json:"projectVariables"`
}

type gitlabBranch struct {
	Name    string  `json:"name"`
	Protect bool    `json:"protect"`
	Create  bool    `json:"create"`
	Ref     *string `json:"ref"`
}

type gitlabVariable struct {
	Key              string  `json:"key"`
	Value            string  `json:"value"`
	Description      string  `json:"description"`
	VariableType     *string `json:"variable_type"`
	Protected        bool    `json:"protected"`
	Masked           bool    `json:"masked"`
	Raw              bool    `json:"raw"`
	EnvironmentScope *string `json:"environment_scope"`
}

// createdProject is the created project, a task checkpoint.
type createdProject struct {
	ID       int64  `json:"id"`
	CloneURL string `json:"cloneUrl"`
}

// publishGitLab creates a GitLab project and pushes the workspace to it.
func (e *env) publishGitLab() plugin.Action {
	return action{
		info: plugin.ActionInfo{
			ID:          "publish:gitlab",
			Description: "Initializes a git repository of the content in the workspace, and publishes it to GitLab.",
			Examples: []plugin.ActionExample{{
				Description: "Create a private project in a group, with topics and settings.",
				Example: `steps:
  - id: publish
    action: publish:gitlab
    name: Publish to GitLab
    input:
      repoUrl: gitlab.com?owner=acme/payments&repo=api
      defaultBranch: main
      topics: [go]
      settings:
        ci_config_path: .gitlab/ci.yml
`,
			}},
			Input: object([]string{"repoUrl"}, props{
				"repoUrl":          repoURLInput,
				"repoVisibility":   enum("Repository Visibility", "'private' by default", "private", "public", "internal"),
				"defaultBranch":    str("Default Branch", "'master' by default"),
				"sourcePath":       sourcePathInput,
				"gitCommitMessage": commitMessageInput,
				"gitAuthorName":    authorNameInput,
				"gitAuthorEmail":   authorEmailInput,
				"token":            tokenInput,
				"setUserAsOwner": boolean("Set User As Owner",
					"Make the token input's user an owner of the project, through the integration's token"),
				"skipExisting": boolean("Skip if repository exists", "Do not fail when the project exists: output it and push nothing"),
				"topics":       strList("Topic labels", "Topic labels to apply on the repository"),
				"settings": anyObject("Project settings",
					"Project attributes of GitLab's create project API (snake_case), e.g. path, ci_config_path, description, merge_method, squash_option, visibility"),
				"branches": list("Project branches", "Branches to create or protect", object([]string{"name"}, props{
					"name":    str("Branch name", ""),
					"protect": boolean("Should branch be protected", ""),
					"create":  boolean("Should branch be created", ""),
					"ref":     str("Branch reference", "'master' by default"),
				})),
				"projectVariables": list("Project variables", "CI/CD variables of the project", object([]string{"key", "value"}, props{
					"key":               str("Variable key", ""),
					"value":             str("Variable value", ""),
					"description":       str("Variable description", ""),
					"variable_type":     enum("Variable type", "'env_var' by default", "env_var", "file"),
					"protected":         boolean("Variable protection", ""),
					"masked":            boolean("Variable masking", ""),
					"raw":               boolean("Variable raw", ""),
					"environment_scope": str("Variable environment scope", "'*' by default"),
				})),
			}),
			Output: object(nil, props{
				"remoteUrl":       remoteURLOutput,
				"repoContentsUrl": contentsURLOutput,
				"projectId":       typed("number", "The ID of the project", ""),
				"commitHash":      commitHashOutput,
				"created":         boolean("Whether the project was created", ""),
			}),
		},
		run: e.runPublishGitLab,
	}
}

func (e *env) runPublishGitLab(ctx context.Context, ac *plugin.ActionContext) error {
	var in publishGitLabInput
	if err := decodeInput(ac.Input, &in); err != nil {
		return err
	}
	t, err := e.gitlabFor(in.RepoURL, in.Token)
	if err != nil {
		return err
	}
	owner, name := t.repo.Owner, t.repo.Repo
	if owner == "" || name == "" {
		return problem.Input("repoUrl %s: publish:gitlab needs owner and repo", in.RepoURL)
	}
	dir, err := resolveInside(ac.Workspace, in.SourcePath, "sourcePath")
	if err != nil {
		return err
	}
	branch := orDefault(in.DefaultBranch, "master")
	log := logger(ac)
	rctx := gl.WithContext(ctx)

	if in.SkipExisting {
		p, resp, err := t.client.Projects.GetProject(owner+"/"+name, nil, rctx)
		switch {
		case err == nil:
			log.Info("the project exists; nothing pushed", "project", p.PathWithNamespace)
			remote := browseBase(p.HTTPURLToRepo)
			output(ac, "remoteUrl", remote)
			output(ac, "repoContentsUrl", remote+"/-/blob/"+branch)
			output(ac, "projectId", p.ID)
			output(ac, "created", false)
			return nil
		case resp == nil || resp.StatusCode != http.StatusNotFound:
			return glError("get project "+owner+"/"+name, resp, err)
		}
	}

	project, err := checkpoint(ac, "create.project."+owner+"."+name, func() (createdProject, error) {
		return t.createProject(ctx, in)
	})
	if err != nil {
		return err
	}
	if in.SetUserAsOwner && in.Token != "" && t.cfg.Token != "" {
		if err := e.addOwner(ctx, t, project.ID); err != nil {
			return err
		}
	}
	hash, err := checkpoint(ac, "init.repo.and.push."+project.CloneURL, func() (string, error) {
		return initAndPush(ctx, push{
			Dir:       dir,
			RemoteURL: project.CloneURL,
			Branch:    branch,
			Message:   firstOf(in.GitCommitMessage, e.commitMessage),
			Author:    e.commitAuthor(in.GitAuthorName, in.GitAuthorEmail),
			Username:  "oauth2",
			Password:  t.token,
		})
	})
	if err != nil {
		return err
	}
	log.Info("pushed the workspace", "remoteUrl", project.CloneURL, "branch", branch, "commit", hash)
	for _, b := range in.Branches {
		if b.Create {
			opt := &gl.CreateBranchOptions{Branch: new(b.Name), Ref: new(orDefault(b.Ref, "master"))}
			if _, resp, err := t.client.Branches.CreateBranch(project.ID, opt, rctx); err != nil {
				return glError("Branch creation failed for "+b.Name, resp, err)
			}
		}
		if b.Protect {
			opt := &gl.ProtectRepositoryBranchesOptions{Name: new(b.Name)}
			if _, resp, err := t.client.ProtectedBranches.ProtectRepositoryBranches(project.ID, opt, rctx); err != nil {
				return glError("Branch protection failed for "+b.Name, resp, err)
			}
		}
	}
	for _, v := range in.ProjectVariables {
		opt := &gl.CreateProjectVariableOptions{
			Key:              new(v.Key),
			Value:            new(v.Value),
			VariableType:     new(gl.VariableTypeValue(orDefault(v.VariableType, "env_var"))),
			Protected:        new(v.Protected),
			Masked:           new(v.Masked),
			Raw:              new(v.Raw),
			EnvironmentScope: new(orDefault(v.EnvironmentScope, "*")),
		}
		if v.Description != "" {
			opt.Description = new(v.Description)
		}
		if _, resp, err := t.client.ProjectVariables.CreateVariable(project.ID, opt, rctx); err != nil {
			return glError("Environment variable creation failed for "+v.Key, resp, err)
		}
	}
	remote := browseBase(project.CloneURL)
	output(ac, "remoteUrl", remote)
	output(ac, "repoContentsUrl", remote+"/-/blob/"+branch)
	output(ac, "projectId", project.ID)
	output(ac, "commitHash", hash)
	output(ac, "created", true)
	return nil
}

// createProject creates the project in the owner's namespace (a group or
// a user), with the settings input passed to GitLab as they are.
func (t *gitlabTarget) createProject(ctx context.Context, in publishGitLabInput) (createdProject, error) {
	rctx := gl.WithContext(ctx)
	owner := t.repo.Owner
	ns, resp, err := t.client.Namespaces.GetNamespace(owner, rctx)
	if err != nil {
		if resp != nil && resp.StatusCode == http.StatusNotFound {
			return createdProject{}, problem.Input("The namespace %s is not found or the user doesn't have permissions to access it", owner)
		}
		return createdProject{}, glError("get namespace "+owner, resp, err)
	}
	body := map[string]any{
		"namespace_id": ns.ID,
		"name":         t.repo.Repo,
		"path":         t.repo.Repo,
		"visibility":   orDefault(in.RepoVisibility, "private"),
	}
	if len(in.Topics) > 0 {
		body["topics"] = in.Topics
	}
	for k, v := range in.Settings {
		body[k] = v
	}
	req, err := t.client.NewRequest(http.MethodPost, "projects", body, []gl.RequestOptionFunc{rctx})
	if err != nil {
		return createdProject{}, err
	}
	var p gl.Project
	if resp, err := t.client.Do(req, &p); err != nil {
		return createdProject{}, glError("create project "+owner+"/"+t.repo.Repo, resp, err)
	}
	return createdProject{ID: p.ID, CloneURL: p.HTTPURLToRepo}, nil
}

// addOwner makes the token input's user an owner of the project, with the
// integration's (privileged) token: a user's OAuth token may create a
// project but not push to its protected default branch.
func (e *env) addOwner(ctx context.Context, t *gitlabTarget, project int64) error {
	user, resp, err := t.client.Users.CurrentUser(gl.WithContext(ctx))
	if err != nil {
		return glError("get the current user", resp, err)
	}
	admin, err := e.gitlabClient(t.cfg, "")
	if err != nil {
		return err
	}
	opt := &gl.AddProjectMemberOptions{UserID: user.ID, AccessLevel: new(gl.OwnerPermissions)}
	if _, resp, err := admin.ProjectMembers.AddProjectMember(project, opt, gl.WithContext(ctx)); err != nil {
		return glError("add "+user.Username+" as owner", resp, err)
	}
	return nil
}

// projectRef is the project a merge request input names: the project id,
// else owner/repo.
func projectRef(r repourl.RepoURL) string {
	if r.Project != "" {
		return r.Project
	}
	return strings.Trim(r.Owner+"/"+r.Repo, "/")
}

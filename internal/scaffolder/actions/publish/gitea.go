package publish

import (
	"context"
	"net/http"
	"strings"

	"code.gitea.io/sdk/gitea"

	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/plugin"
)

type publishGiteaInput struct {
	RepoURL          string  `json:"repoUrl"`
	Description      string  `json:"description"`
	DefaultBranch    *string `json:"defaultBranch"`
	RepoVisibility   *string `json:"repoVisibility"`
	SourcePath       string  `json:"sourcePath"`
	GitCommitMessage string  `json:"gitCommitMessage"`
	GitAuthorName    string  `json:"gitAuthorName"`
	GitAuthorEmail   string  `json:"gitAuthorEmail"`
	Token            string  `json:"token"`
}

// giteaError names a failed Gitea call and classifies it by its status.
func giteaError(call string, resp *gitea.Response, err error) error {
	status := 0
	if resp != nil && resp.Response != nil {
		status = resp.StatusCode
	}
	return apiError(call, status, err)
}

// publishGitea creates a Gitea repository and pushes the workspace to it.
func (e *env) publishGitea() plugin.Action {
	return action{
		info: plugin.ActionInfo{
			ID:          "publish:gitea",
			Description: "Initializes a git repository of the content in the workspace, and publishes it to Gitea.",
			Examples: []plugin.ActionExample{{
				Description: "Create a public repository in an organization.",
				Example: `steps:
  - id: publish
    action: publish:gitea
    name: Publish to Gitea
    input:
      repoUrl: gitea.example.com?owner=acme&repo=payments
      description: Payments service
`,
			}},
			Input: object([]string{"repoUrl"}, props{
				"repoUrl":          repoURLInput,
				"description":      str("Repository Description", ""),
				"defaultBranch":    str("Default Branch", "'main' by default"),
				"repoVisibility":   enum("Repository Visibility", "'public' by default", "private", "public"),
				"sourcePath":       sourcePathInput,
				"gitCommitMessage": commitMessageInput,
				"gitAuthorName":    authorNameInput,
				"gitAuthorEmail":   authorEmailInput,
				"token":            str("Authentication Token", "An access token; the integration's user name and password when not given"),
			}),
			Output: object(nil, props{"remoteUrl": remoteURLOutput, "repoContentsUrl": contentsURLOutput, "commitHash": commitHashOutput}),
		},
		run: e.runPublishGitea,
	}
}

func (e *env) runPublishGitea(ctx context.Context, ac *plugin.ActionContext) error {
	var in publishGiteaInput
	if err := decodeInput(ac.Input, &in); err != nil {
		return err
	}
	r, err := e.forges.parse(in.RepoURL)
	if err != nil {
		return err
	}
	cfg, err := e.forges.giteaFor(r.Host)
	if err != nil {
		return err
	}
	if r.Owner == "" {
		return problem.Input("Invalid repo URL passed to publisher: %s, missing owner", in.RepoURL)
	}
	dir, err := resolveInside(ac.Workspace, in.SourcePath, "sourcePath")
	if err != nil {
		return err
	}
	opts := []gitea.ClientOption{gitea.SetHTTPClient(e.http), gitea.SetGiteaVersion(""), gitea.SetContext(ctx)}
	username, password := firstOf(cfg.Username, "oauth2"), cfg.Password
	switch {
	case in.Token != "":
		opts = append(opts, gitea.SetToken(in.Token))
		password = in.Token
	case cfg.Username != "":
		opts = append(opts, gitea.SetBasicAuth(cfg.Username, cfg.Password))
	default:
		return problem.Input("No credentials available for host %s: set integrations.gitea username and password, or the token input", r.Host)
	}
	client, err := gitea.NewClient(cfg.BaseURL, opts...)
	if err != nil {
		return problem.Input("Gitea client for %s: %v", r.Host, err)
	}
	branch := orDefault(in.DefaultBranch, "main")
	repo, err := checkpoint(ac, "create.repo."+r.Owner+"."+r.Repo, func() (createdRepo, error) {
		return createGiteaRepo(client, r.Owner, gitea.CreateRepoOption{
			Name:          r.Repo,
			Description:   in.Description,
			Private:       orDefault(in.RepoVisibility, "public") == "private",
			DefaultBranch: branch,
		})
	})
	if err != nil {
		return err
	}
	logger(ac).Info("created the repository", "url", repo.HTMLURL)
	hash, err := checkpoint(ac, "init.repo.and.push."+repo.CloneURL, func() (string, error) {
		return initAndPush(ctx, push{
			Dir:       dir,
			RemoteURL: repo.CloneURL,
			Branch:    branch,
			Message:   firstOf(in.GitCommitMessage, e.commitMessage),
			Author:    e.commitAuthor(in.GitAuthorName, in.GitAuthorEmail),
			Username:  username,
			Password:  password,
		})
	})
	if err != nil {
		return err
	}
	logger(ac).Info("pushed the workspace", "remoteUrl", repo.CloneURL, "branch", branch, "commit", hash)
	output(ac, "remoteUrl", repo.CloneURL)
	output(ac, "repoContentsUrl", strings.TrimSuffix(repo.HTMLURL, "/")+"/src/branch/"+branch+"/")
	output(ac, "commitHash", hash)
	return nil
}

// createGiteaRepo creates the repository in the owner organization, or
// for the authenticated user when the owner is that user.
func createGiteaRepo(client *gitea.Client, owner string, opt gitea.CreateRepoOption) (createdRepo, error) {
	var (
		repo *gitea.Repository
		resp *gitea.Response
		err  error
	)
	_, resp, err = client.GetOrg(owner)
	switch {
	case err == nil:
		repo, resp, err = client.CreateOrgRepo(owner, opt)
	case resp != nil && resp.Response != nil && resp.StatusCode == http.StatusNotFound:
		me, meResp, meErr := client.GetMyUserInfo()
		if meErr != nil {
			return createdRepo{}, giteaError("get the authenticated user", meResp, meErr)
		}
		if !strings.EqualFold(me.UserName, owner) {
			return createdRepo{}, problem.Input("Organization %s does not exist. Please verify that the organization exists, or that it is the authenticated user (%s)", owner, me.UserName)
		}
		repo, resp, err = client.CreateRepo(opt)
	default:
		return createdRepo{}, giteaError("get organization "+owner, resp, err)
	}
	if err != nil {
		return createdRepo{}, giteaError("Unable to create repository "+owner+"/"+opt.Name, resp, err)
	}
	return createdRepo{CloneURL: repo.CloneURL, HTMLURL: repo.HTMLURL, DefaultBranch: repo.DefaultBranch}, nil
}

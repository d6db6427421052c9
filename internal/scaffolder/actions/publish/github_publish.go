package publish

import (
	"context"

	"github.com/callboard/callboard/plugin"
)

type publishGitHubInput struct {
	githubRepoSettings
	githubPush
	githubProtection
}

// publishGitHub creates a GitHub repository and pushes the workspace to it.
func (e *env) publishGitHub() plugin.Action {
	return action{
		info: plugin.ActionInfo{
			ID:          "publish:github",
			Description: "Initializes a git repository of contents in workspace and publishes it to GitHub.",
			Examples: []plugin.ActionExample{{
				Description: "Create a private repository in an organization and push the workspace to its main branch.",
				Example: `steps:
  - id: publish
    action: publish:github
    name: Publish to GitHub
    input:
      repoUrl: github.com?owner=acme&repo=payments
      description: Payments service
      defaultBranch: main
      repoVisibility: private
      topics: [payments, go]
`,
			}},
			Input:  object([]string{"repoUrl"}, merge(githubRepoSettingsSchema, githubPushSchema, githubProtectionSchema)),
			Output: object(nil, props{"remoteUrl": remoteURLOutput, "repoContentsUrl": contentsURLOutput, "commitHash": commitHashOutput}),
		},
		run: func(ctx context.Context, ac *plugin.ActionContext) error {
			var in publishGitHubInput
			if err := decodeInput(ac.Input, &in); err != nil {
				return err
			}
			g, err := e.githubRepoFor(in.RepoURL, in.Token)
			if err != nil {
				return err
			}
			if _, err := resolveInside(ac.Workspace, in.SourcePath, "sourcePath"); err != nil {
				return err
			}
			repo, err := checkpoint(ac, "create.repo.and.topics."+g.owner+"."+g.name, func() (createdRepo, error) {
				return g.createRepo(ctx, logger(ac), in.githubRepoSettings)
			})
			if err != nil {
				return err
			}
			return e.pushAndProtect(ctx, ac, g, repo, in.githubPush, in.githubProtection)
		},
	}
}

// githubRepoCreate creates a GitHub repository without pushing to it.
func (e *env) githubRepoCreate() plugin.Action {
	return action{
		info: plugin.ActionInfo{
			ID:          "github:repo:create",
			Description: "Creates a GitHub repository.",
			Examples: []plugin.ActionExample{{
				Description: "Create a public repository.",
				Example: `steps:
  - id: create
    action: github:repo:create
    name: Create the repository
    input:
      repoUrl: github.com?owner=acme&repo=payments
      repoVisibility: public
`,
			}},
			Input:  object([]string{"repoUrl"}, githubRepoSettingsSchema),
			Output: object(nil, props{"remoteUrl": remoteURLOutput, "repoContentsUrl": contentsURLOutput}),
		},
		run: func(ctx context.Context, ac *plugin.ActionContext) error {
			var in githubRepoSettings
			if err := decodeInput(ac.Input, &in); err != nil {
				return err
			}
			g, err := e.githubRepoFor(in.RepoURL, in.Token)
			if err != nil {
				return err
			}
			repo, err := checkpoint(ac, "create.repo.and.topics."+g.owner+"."+g.name, func() (createdRepo, error) {
				return g.createRepo(ctx, logger(ac), in)
			})
			if err != nil {
				return err
			}
			output(ac, "remoteUrl", repo.CloneURL)
			output(ac, "repoContentsUrl", repo.HTMLURL+"/blob/"+firstOf(repo.DefaultBranch, "master"))
			return nil
		},
	}
}

type githubRepoPushInput struct {
	RepoURL string `json:"repoUrl"`
	Token   string `json:"token"`
	githubPush
	githubProtection
}

// githubRepoPush pushes the workspace to an existing, empty GitHub
// repository.
func (e *env) githubRepoPush() plugin.Action {
	return action{
		info: plugin.ActionInfo{
			ID:          "github:repo:push",
			Description: "Initializes a git repository of the content in the workspace, and publishes it to an existing GitHub repository.",
			Examples: []plugin.ActionExample{{
				Description: "Push the workspace to a repository made by github:repo:create.",
				Example: `steps:
  - id: push
    action: github:repo:push
    name: Push
    input:
      repoUrl: github.com?owner=acme&repo=payments
      defaultBranch: main
`,
			}},
			Input: object([]string{"repoUrl"}, merge(props{"repoUrl": repoURLInput, "token": tokenInput},
				githubPushSchema, githubProtectionSchema)),
			Output: object(nil, props{"remoteUrl": remoteURLOutput, "repoContentsUrl": contentsURLOutput, "commitHash": commitHashOutput}),
		},
		run: func(ctx context.Context, ac *plugin.ActionContext) error {
			var in githubRepoPushInput
			if err := decodeInput(ac.Input, &in); err != nil {
				return err
			}
			g, err := e.githubRepoFor(in.RepoURL, in.Token)
			if err != nil {
				return err
			}
			r, resp, err := g.client.Repositories.Get(ctx, g.owner, g.name)
			if err != nil {
				return ghError("get the repository "+g.owner+"/"+g.name, resp, err)
			}
			repo := createdRepo{CloneURL: r.GetCloneURL(), HTMLURL: r.GetHTMLURL(), DefaultBranch: r.GetDefaultBranch()}
			return e.pushAndProtect(ctx, ac, g, repo, in.githubPush, in.githubProtection)
		},
	}
}

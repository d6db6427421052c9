package publish

import (
	"context"

	"github.com/callboard/callboard/plugin"
)

const publishGitID = "publish:git"

type publishGitInput struct {
	RemoteURL        string  `json:"remoteUrl"`
	DefaultBranch    *string `json:"defaultBranch"`
	SourcePath       string  `json:"sourcePath"`
	GitCommitMessage string  `json:"gitCommitMessage"`
	GitAuthorName    string  `json:"gitAuthorName"`
	GitAuthorEmail   string  `json:"gitAuthorEmail"`
	Token            string  `json:"token"`
}

// publishGit pushes the workspace to any git remote (Callboard's action).
func (e *env) publishGit() plugin.Action {
	return action{
		info: plugin.ActionInfo{
			ID:          publishGitID,
			Description: "Initializes a git repository from the workspace and pushes it to a git remote (https, http or file URL).",
			Examples: []plugin.ActionExample{{
				Description: "Push the workspace to a repository that already exists and is empty.",
				Example: `steps:
  - id: publish
    action: publish:git
    name: Publish
    input:
      remoteUrl: https://git.example.com/team/service.git
      defaultBranch: main
      token: ${{ secrets.gitToken }}
`,
			}},
			Input: object([]string{"remoteUrl"}, props{
				"remoteUrl":        str("Remote URL", "The git remote to push to: an https, http or file URL"),
				"defaultBranch":    str("Default Branch", "The branch to push, 'main' by default"),
				"sourcePath":       sourcePathInput,
				"gitCommitMessage": commitMessageInput,
				"gitAuthorName":    authorNameInput,
				"gitAuthorEmail":   authorEmailInput,
				"token":            str("Token", "A token sent with HTTP basic authentication (the URL's user name, else x-access-token)"),
			}),
			Output: object(nil, props{
				"remoteUrl":  remoteURLOutput,
				"commitHash": commitHashOutput,
			}),
		},
		run: e.runPublishGit,
	}
}

func (e *env) runPublishGit(ctx context.Context, ac *plugin.ActionContext) error {
	var in publishGitInput
	if err := decodeInput(ac.Input, &in); err != nil {
		return err
	}
	dir, err := resolveInside(ac.Workspace, in.SourcePath, "sourcePath")
	if err != nil {
		return err
	}
	branch := orDefault(in.DefaultBranch, "main")
	remote := redactURL(in.RemoteURL)
	logger(ac).Info("pushing the workspace", "remoteUrl", remote, "branch", branch)
	hash, err := checkpoint(ac, "publish.git."+remote+"."+branch, func() (string, error) {
		return initAndPush(ctx, push{
			Dir:       dir,
			RemoteURL: in.RemoteURL,
			Branch:    branch,
			Message:   firstOf(in.GitCommitMessage, e.commitMessage),
			Author:    e.commitAuthor(in.GitAuthorName, in.GitAuthorEmail),
			Username:  "x-access-token",
			Password:  in.Token,
		})
	})
	if err != nil {
		return err
	}
	output(ac, "remoteUrl", remote)
	output(ac, "commitHash", hash)
	return nil
}

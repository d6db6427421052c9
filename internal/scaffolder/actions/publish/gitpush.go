package publish

import (
	"context"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/callboard/callboard/internal/problem"
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
	if err := e.checkLocalRemote(in.RemoteURL); err != nil {
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

// checkLocalRemote refuses a file:// remote outside the configured local
// repository directories.
func (e *env) checkLocalRemote(remote string) error {
	u, err := url.Parse(remote)
	if err != nil || u.Scheme != "file" || u.Path == "" || (u.Host != "" && u.Host != "localhost") {
		return nil // other schemes and malformed URLs are refused where the push is made
	}
	path := filepath.Clean(filepath.FromSlash(u.Path))
	for _, root := range e.localRoots {
		if rel, err := filepath.Rel(root, path); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return nil
		}
	}
	if len(e.localRoots) == 0 {
		return problem.NotAllowed("file remotes are not allowed here; list the directory of %s in scaffolder.publish.localRepositories", redactURL(remote))
	}
	return problem.NotAllowed("%s is outside scaffolder.publish.localRepositories", redactURL(remote))
}

package publish

import (
	"context"
	"encoding/base64"
	"net/http"

	gh "github.com/google/go-github/v92/github"

	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/plugin"
)

const githubPRID = "publish:github:pull-request"

type githubPRInput struct {
	RepoURL          string   `json:"repoUrl"`
	BranchName       string   `json:"branchName"`
	Title            string   `json:"title"`
	Description      string   `json:"description"`
	TargetBranchName string   `json:"targetBranchName"`
	SourcePath       string   `json:"sourcePath"`
	TargetPath       string   `json:"targetPath"`
	Draft            bool     `json:"draft"`
	Reviewers        []string `json:"reviewers"`
	TeamReviewers    []string `json:"teamReviewers"`
	Assignees        []string `json:"assignees"`
	CommitMessage    string   `json:"commitMessage"`
	Update           bool     `json:"update"`
	FilesToDelete    []string `json:"filesToDelete"`
	CreateWhenEmpty  *bool    `json:"createWhenEmpty"`
	GitAuthorName    string   `json:"gitAuthorName"`
	GitAuthorEmail   string   `json:"gitAuthorEmail"`
	Token            string   `json:"token"`
}

// publishGitHubPullRequest commits the workspace to a new branch through
// GitHub's git data API (blobs, tree, commit, ref) and opens a pull
// request from it.
func (e *env) publishGitHubPullRequest() plugin.Action {
	return action{
		info: plugin.ActionInfo{
			ID:          githubPRID,
			Description: "Creates a pull request for a pre-existing repository from the contents of the workspace.",
			Examples: []plugin.ActionExample{{
				Description: "Add the workspace's files under a directory of an existing repository.",
				Example: `steps:
  - id: pr
    action: publish:github:pull-request
    name: Open a pull request
    input:
      repoUrl: github.com?owner=acme&repo=platform
      branchName: add-payments
      title: Add the payments service
      description: Created from a template.
      targetPath: services/payments
      reviewers: [ada]
`,
			}},
			Input: object([]string{"repoUrl", "branchName", "title", "description"}, props{
				"repoUrl":          repoURLInput,
				"branchName":       str("Branch Name", "The branch the pull request comes from"),
				"title":            str("Pull Request Name", ""),
				"description":      str("Pull Request Description", ""),
				"targetBranchName": str("Target Branch Name", "The branch to merge into; the repository's default branch when not given"),
				"sourcePath":       str("Working Subdirectory", "Subdirectory of the workspace to copy changes from"),
				"targetPath":       str("Repository Subdirectory", "Subdirectory of the repository to apply changes to"),
				"draft":            boolean("Create as Draft", ""),
				"reviewers":        strList("Pull Request Reviewers", "Users to request a review from"),
				"teamReviewers":    strList("Pull Request Team Reviewers", "Teams to request a review from"),
				"assignees":        strList("Assignees", "Users to assign the pull request to"),
				"commitMessage":    str("Commit Message", "The title by default"),
				"update":           boolean("Update", "Update the branch and the pull request when they already exist"),
				"filesToDelete":    strList("Files To Delete", "Repository paths to delete in the same commit"),
				"createWhenEmpty":  boolean("Create When Empty", "Open the pull request even when it changes nothing; true by default"),
				"gitAuthorName":    str("Author Name", "scaffolder.defaultAuthor.name when not given; the token's user when neither is set"),
				"gitAuthorEmail":   str("Author Email", "scaffolder.defaultAuthor.email when not given"),
				"token":            tokenInput,
			}),
			Output: object(nil, props{
				"targetBranchName":  str("Target branch name of the pull request", ""),
				"remoteUrl":         str("Pull Request URL", "Link to the pull request in GitHub"),
				"pullRequestNumber": typed("number", "Pull Request Number", ""),
			}),
		},
		run: e.runGitHubPullRequest,
	}
}

func (e *env) runGitHubPullRequest(ctx context.Context, ac *plugin.ActionContext) error {
	var in githubPRInput
	if err := decodeInput(ac.Input, &in); err != nil {
		return err
	}
	g, err := e.githubRepoFor(in.RepoURL, in.Token)
	if err != nil {
		return err
	}
	dir, err := resolveInside(ac.Workspace, in.SourcePath, "sourcePath")
	if err != nil {
		return err
	}
	files, err := readTree(dir)
	if err != nil {
		return err
	}
	log := logger(ac)
	base := in.TargetBranchName
	if base == "" {
		r, resp, err := g.client.Repositories.Get(ctx, g.owner, g.name)
		if err != nil {
			return ghError("get the repository "+g.owner+"/"+g.name, resp, err)
		}
		base = r.GetDefaultBranch()
	}
	ref, resp, err := g.client.Git.GetRef(ctx, g.owner, g.name, "heads/"+base)
	if err != nil {
		return ghError("get branch "+base, resp, err)
	}
	baseSHA := ref.GetObject().GetSHA()
	baseCommit, resp, err := g.client.Git.GetCommit(ctx, g.owner, g.name, baseSHA)
	if err != nil {
		return ghError("get commit "+baseSHA, resp, err)
	}
	var entries []*gh.TreeEntry
	for _, f := range files {
		p, err := joinTarget(in.TargetPath, f.Path)
		if err != nil {
			return problem.Input("%v", err)
		}
		blob, resp, err := g.client.Git.CreateBlob(ctx, g.owner, g.name, gh.Blob{
			Content:  new(base64.StdEncoding.EncodeToString(f.Content)),
			Encoding: new("base64"),
		})
		if err != nil {
			return ghError("create blob for "+p, resp, err)
		}
		entries = append(entries, &gh.TreeEntry{Path: new(p), Mode: new(f.Mode), Type: new("blob"), SHA: blob.SHA})
	}
	for _, p := range in.FilesToDelete {
		entries = append(entries, &gh.TreeEntry{Path: new(p), Mode: new("100644"), Type: new("blob")})
	}
	tree, resp, err := g.client.Git.CreateTree(ctx, g.owner, g.name, baseCommit.GetTree().GetSHA(), entries)
	if err != nil {
		return ghError("create tree", resp, err)
	}
	output(ac, "targetBranchName", base)
	if tree.GetSHA() == baseCommit.GetTree().GetSHA() && !orDefault(in.CreateWhenEmpty, true) {
		log.Info("no changes to propose; no pull request was created", "branch", base)
		return nil
	}
	commit := gh.Commit{
		Message: new(firstOf(in.CommitMessage, in.Title)),
		Tree:    &gh.Tree{SHA: tree.SHA},
		Parents: []*gh.Commit{{SHA: new(baseSHA)}},
	}
	if a, ok := e.requestAuthor(in.GitAuthorName, in.GitAuthorEmail); ok {
		commit.Author = &gh.CommitAuthor{Name: new(a.Name), Email: new(a.Email)}
	}
	created, resp, err := g.client.Git.CreateCommit(ctx, g.owner, g.name, commit, nil)
	if err != nil {
		return ghError("create commit", resp, err)
	}
	pr, err := g.openPullRequest(ctx, in, base, created.GetSHA())
	if err != nil {
		return err
	}
	log.Info("opened a pull request", "url", pr.GetHTMLURL(), "number", pr.GetNumber())
	if len(in.Reviewers) > 0 || len(in.TeamReviewers) > 0 {
		req := gh.ReviewersRequest{Reviewers: in.Reviewers, TeamReviewers: in.TeamReviewers}
		if _, _, err := g.client.PullRequests.RequestReviewers(ctx, g.owner, g.name, pr.GetNumber(), req); err != nil {
			log.Warn("failure when adding reviewers to the pull request", "error", err.Error())
		}
	}
	if len(in.Assignees) > 0 {
		if _, _, err := g.client.Issues.AddAssignees(ctx, g.owner, g.name, pr.GetNumber(), in.Assignees); err != nil {
			log.Warn("failure when adding assignees to the pull request", "error", err.Error())
		}
	}
	output(ac, "remoteUrl", pr.GetHTMLURL())
	output(ac, "pullRequestNumber", pr.GetNumber())
	return nil
}

// openPullRequest points the branch at sha and opens the pull request;
// with update, an existing branch is moved and its open pull request
// edited instead.
func (g *githubRepo) openPullRequest(ctx context.Context, in githubPRInput, base, sha string) (*gh.PullRequest, error) {
	_, resp, err := g.client.Git.CreateRef(ctx, g.owner, g.name, gh.CreateRef{Ref: "refs/heads/" + in.BranchName, SHA: sha})
	exists := err != nil && resp != nil && resp.StatusCode == http.StatusUnprocessableEntity
	switch {
	case err == nil:
	case exists && in.Update:
		if _, resp, err := g.client.Git.UpdateRef(ctx, g.owner, g.name, "heads/"+in.BranchName, gh.UpdateRef{SHA: sha, Force: new(true)}); err != nil {
			return nil, ghError("update branch "+in.BranchName, resp, err)
		}
		open, resp, err := g.client.PullRequests.List(ctx, g.owner, g.name, &gh.PullRequestListOptions{State: "open", Head: g.owner + ":" + in.BranchName, Base: base})
		if err != nil {
			return nil, ghError("list pull requests of "+in.BranchName, resp, err)
		}
		if len(open) > 0 {
			pr, resp, err := g.client.PullRequests.Edit(ctx, g.owner, g.name, open[0].GetNumber(), &gh.PullRequest{Title: new(in.Title), Body: new(in.Description)})
			if err != nil {
				return nil, ghError("update the pull request", resp, err)
			}
			return pr, nil
		}
	default:
		return nil, ghError("create branch "+in.BranchName, resp, err)
	}
	pr, resp, err := g.client.PullRequests.Create(ctx, g.owner, g.name, gh.CreatePullRequest{
		Title: new(in.Title),
		Head:  in.BranchName,
		Base:  base,
		Body:  new(in.Description),
		Draft: new(in.Draft),
	})
	if err != nil {
		return nil, ghError("create the pull request", resp, err)
	}
	return pr, nil
}

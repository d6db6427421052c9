package publish

import (
	"context"
	"encoding/base64"
	"net/http"

	gl "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/plugin"
)

const gitlabMRID = "publish:gitlab:merge-request"

type gitlabMRInput struct {
	RepoURL            string   `json:"repoUrl"`
	Title              string   `json:"title"`
	Description        string   `json:"description"`
	BranchName         string   `json:"branchName"`
	TargetBranchName   string   `json:"targetBranchName"`
	SourcePath         string   `json:"sourcePath"`
	TargetPath         string   `json:"targetPath"`
	Token              string   `json:"token"`
	CommitAction       *string  `json:"commitAction"`
	RemoveSourceBranch bool     `json:"removeSourceBranch"`
	Draft              bool     `json:"draft"`
	Assignee           string   `json:"assignee"`
	Reviewers          []string `json:"reviewers"`
	Labels             []string `json:"labels"`
	GitAuthorName      string   `json:"gitAuthorName"`
	GitAuthorEmail     string   `json:"gitAuthorEmail"`
}

// publishGitLabMergeRequest commits the workspace to a new branch through
// GitLab's commits API and opens a merge request from it.
func (e *env) publishGitLabMergeRequest() plugin.Action {
	return action{
		info: plugin.ActionInfo{
			ID:          gitlabMRID,
			Description: "Creates a merge request for a pre-existing GitLab project from the contents of the workspace.",
			Examples: []plugin.ActionExample{{
				Description: "Propose the workspace's files under a directory of a project.",
				Example: `steps:
  - id: mr
    action: publish:gitlab:merge-request
    name: Open a merge request
    input:
      repoUrl: gitlab.com?owner=acme&repo=platform
      branchName: add-payments
      title: Add the payments service
      description: Created from a template.
      targetPath: services/payments
`,
			}},
			Input: object([]string{"repoUrl", "branchName", "title", "description"}, props{
				"repoUrl":          repoURLInput,
				"title":            str("Merge Request Name", ""),
				"description":      str("Merge Request Description", ""),
				"branchName":       str("Source Branch Name", "The branch the merge request comes from; it must not exist"),
				"targetBranchName": str("Target Branch Name", "The branch to merge into; the project's default branch when not given"),
				"sourcePath":       str("Working Subdirectory", "Subdirectory of the workspace to copy changes from"),
				"targetPath":       str("Repository Subdirectory", "Subdirectory of the repository to apply changes to"),
				"token":            tokenInput,
				"commitAction": enum("Commit action",
					"How files are committed: 'auto' (create or update, by whether the file exists on the target branch) by default",
					"create", "update", "delete", "auto"),
				"removeSourceBranch": boolean("Delete source branch", "Delete the source branch after the merge"),
				"draft":              boolean("Create as Draft", "Mark the merge request as a draft"),
				"assignee":           str("Merge Request Assignee", "The user name to assign the merge request to"),
				"reviewers":          strList("Merge Request Reviewers", "User names to request a review from"),
				"labels":             strList("Labels", "Labels of the merge request"),
				"gitAuthorName":      str("Author Name", "scaffolder.defaultAuthor.name when not given; the token's user when neither is set"),
				"gitAuthorEmail":     str("Author Email", "scaffolder.defaultAuthor.email when not given"),
			}),
			Output: object(nil, props{
				"targetBranchName": str("Target branch name of the merge request", ""),
				"projectid":        str("GitLab Project id/Name(slug)", ""),
				"projectPath":      str("GitLab Project path", ""),
				"mergeRequestUrl":  str("Merge Request URL", "Link to the merge request in GitLab"),
			}),
		},
		run: e.runGitLabMergeRequest,
	}
}

func (e *env) runGitLabMergeRequest(ctx context.Context, ac *plugin.ActionContext) error {
	var in gitlabMRInput
	if err := decodeInput(ac.Input, &in); err != nil {
		return err
	}
	t, err := e.gitlabFor(in.RepoURL, in.Token)
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
	rctx := gl.WithContext(ctx)
	pid := projectRef(t.repo)

	var assigneeID *int64
	if in.Assignee != "" {
		if id, err := t.userID(ctx, in.Assignee); err != nil {
			log.Warn("failed to find the assignee", "assignee", in.Assignee, "error", err.Error())
		} else {
			assigneeID = &id
		}
	}
	var reviewerIDs []int64
	for _, r := range in.Reviewers {
		id, err := t.userID(ctx, r)
		if err != nil {
			log.Warn("failed to find the reviewer", "reviewer", r, "error", err.Error())
			continue
		}
		reviewerIDs = append(reviewerIDs, id)
	}

	target := in.TargetBranchName
	if target == "" {
		p, resp, err := t.client.Projects.GetProject(pid, nil, rctx)
		if err != nil {
			return glError("get project "+pid, resp, err)
		}
		target = p.DefaultBranch
	}

	mode := orDefault(in.CommitAction, "auto")
	var actions []*gl.CommitActionOptions
	for _, f := range files {
		if f.Mode == "120000" {
			log.Warn("skipping a symbolic link: GitLab's commits API cannot create one", "path", f.Path)
			continue
		}
		p, err := joinTarget(in.TargetPath, f.Path)
		if err != nil {
			return problem.Input("%v", err)
		}
		act := mode
		if act == "auto" {
			exists, err := t.fileExists(ctx, pid, p, target)
			if err != nil {
				return err
			}
			act = "create"
			if exists {
				act = "update"
			}
		}
		a := &gl.CommitActionOptions{Action: new(gl.FileActionValue(act)), FilePath: new(p)}
		if act != "delete" {
			a.Encoding = new("base64")
			a.Content = new(base64.StdEncoding.EncodeToString(f.Content))
			a.ExecuteFilemode = new(f.Mode == "100755")
		}
		actions = append(actions, a)
	}

	if _, resp, err := t.client.Branches.CreateBranch(pid, &gl.CreateBranchOptions{Branch: new(in.BranchName), Ref: new(target)}, rctx); err != nil {
		return glError("The branch creation failed. Please check that your repo does not already contain a branch named '"+in.BranchName+"'", resp, err)
	}
	if len(actions) > 0 {
		opt := &gl.CreateCommitOptions{Branch: new(in.BranchName), CommitMessage: new(in.Title), Actions: actions}
		if a, ok := e.requestAuthor(in.GitAuthorName, in.GitAuthorEmail); ok {
			opt.AuthorName, opt.AuthorEmail = new(a.Name), new(a.Email)
		}
		if _, resp, err := t.client.Commits.CreateCommit(pid, opt, rctx); err != nil {
			return glError("Committing the changes to "+in.BranchName+" failed", resp, err)
		}
	}
	title := in.Title
	if in.Draft {
		title = "Draft: " + title
	}
	opt := &gl.CreateMergeRequestOptions{
		Title:              new(title),
		Description:        new(in.Description),
		SourceBranch:       new(in.BranchName),
		TargetBranch:       new(target),
		RemoveSourceBranch: new(in.RemoveSourceBranch),
		AssigneeID:         assigneeID,
	}
	if len(reviewerIDs) > 0 {
		opt.ReviewerIDs = &reviewerIDs
	}
	if len(in.Labels) > 0 {
		labels := gl.LabelOptions(in.Labels)
		opt.Labels = &labels
	}
	mr, resp, err := t.client.MergeRequests.CreateMergeRequest(pid, opt, rctx)
	if err != nil {
		return glError("Merge request creation failed", resp, err)
	}
	log.Info("opened a merge request", "url", mr.WebURL)
	output(ac, "projectid", pid)
	output(ac, "targetBranchName", target)
	output(ac, "projectPath", pid)
	output(ac, "mergeRequestUrl", mr.WebURL)
	return nil
}

// userID looks a user up by user name.
func (t *gitlabTarget) userID(ctx context.Context, username string) (int64, error) {
	users, resp, err := t.client.Users.ListUsers(&gl.ListUsersOptions{Username: new(username)}, gl.WithContext(ctx))
	if err != nil {
		return 0, glError("look up user "+username, resp, err)
	}
	if len(users) == 0 {
		return 0, problem.NotFound("no GitLab user %s", username)
	}
	return users[0].ID, nil
}

// fileExists reports whether path exists on ref.
func (t *gitlabTarget) fileExists(ctx context.Context, pid, path, ref string) (bool, error) {
	_, resp, err := t.client.RepositoryFiles.GetFileMetaData(pid, path, &gl.GetFileMetaDataOptions{Ref: new(ref)}, gl.WithContext(ctx))
	switch {
	case err == nil:
		return true, nil
	case resp != nil && resp.StatusCode == http.StatusNotFound:
		return false, nil
	}
	return false, glError("check whether "+path+" exists", resp, err)
}

package publish

import (
	"context"
	"log/slog"

	gh "github.com/google/go-github/v92/github"

	"github.com/callboard/callboard/plugin"
)

// githubProtection are the inputs of the default branch's protection.
type githubProtection struct {
	ProtectDefaultBranch           *bool             `json:"protectDefaultBranch"`
	ProtectEnforceAdmins           *bool             `json:"protectEnforceAdmins"`
	RequireCodeOwnerReviews        bool              `json:"requireCodeOwnerReviews"`
	RequiredApprovingReviewCount   *int              `json:"requiredApprovingReviewCount"`
	DismissStaleReviews            bool              `json:"dismissStaleReviews"`
	RequiredStatusCheckContexts    []string          `json:"requiredStatusCheckContexts"`
	RequireBranchesToBeUpToDate    *bool             `json:"requireBranchesToBeUpToDate"`
	RequiredConversationResolution bool              `json:"requiredConversationResolution"`
	RequireLastPushApproval        bool              `json:"requireLastPushApproval"`
	BypassPullRequestAllowances    *githubActorLists `json:"bypassPullRequestAllowances"`
	Restrictions                   *githubActorLists `json:"restrictions"`
	RequiredCommitSigning          bool              `json:"requiredCommitSigning"`
	RequiredLinearHistory          bool              `json:"requiredLinearHistory"`
}

type githubActorLists struct {
	Users []string `json:"users"`
	Teams []string `json:"teams"`
	Apps  []string `json:"apps"`
}

func actorList() map[string]any {
	return object(nil, props{"users": strList("Users", ""), "teams": strList("Teams", ""), "apps": strList("Apps", "")})
}

var githubProtectionSchema = props{
	"protectDefaultBranch": boolean("Protect Default Branch", "Protect the default branch after the push; true by default"),
	"protectEnforceAdmins": boolean("Enforce Admins On Protected Branches", "true by default"),
	"requireCodeOwnerReviews": boolean("Require CODEOWNER Reviews?",
		"Require an approved review in pull requests including files with a designated Code Owner; false by default"),
	"requiredApprovingReviewCount": integer("Required approving review count", "1 by default"),
	"dismissStaleReviews":          boolean("Dismiss Stale Reviews", "New reviewable commits dismiss approving reviews; false by default"),
	"requiredStatusCheckContexts":  strList("Required Status Check Contexts", "Status checks that must pass before merging"),
	"requireBranchesToBeUpToDate":  boolean("Require Branches To Be Up To Date?", "true by default"),
	"requiredConversationResolution": boolean("Required Conversation Resolution",
		"Require all conversations on code to be resolved before merging; false by default"),
	"requireLastPushApproval":     boolean("Require last push approval", "false by default"),
	"bypassPullRequestAllowances": actorList(),
	"restrictions":                actorList(),
	"requiredCommitSigning":       boolean("Require commit signing", "false by default"),
	"requiredLinearHistory":       boolean("Require linear history", "false by default"),
}

// protect protects branch as the inputs say. A failure is logged and
// skipped, as Backstage does.
func (g *githubRepo) protect(ctx context.Context, log *slog.Logger, branch string, in githubProtection) {
	if !orDefault(in.ProtectDefaultBranch, true) {
		return
	}
	contexts := in.RequiredStatusCheckContexts
	if contexts == nil {
		contexts = []string{}
	}
	reviews := &gh.PullRequestReviewsEnforcementRequest{
		DismissStaleReviews:          in.DismissStaleReviews,
		RequireCodeOwnerReviews:      in.RequireCodeOwnerReviews,
		RequiredApprovingReviewCount: orDefault(in.RequiredApprovingReviewCount, 1),
		RequireLastPushApproval:      new(in.RequireLastPushApproval),
	}
	if b := in.BypassPullRequestAllowances; b != nil {
		reviews.BypassPullRequestAllowancesRequest = &gh.BypassPullRequestAllowancesRequest{
			Users: nonNil(b.Users), Teams: nonNil(b.Teams), Apps: nonNil(b.Apps),
		}
	}
	req := &gh.ProtectionRequest{
		RequiredStatusChecks:           &gh.RequiredStatusChecks{Strict: orDefault(in.RequireBranchesToBeUpToDate, true), Contexts: &contexts},
		RequiredPullRequestReviews:     reviews,
		EnforceAdmins:                  orDefault(in.ProtectEnforceAdmins, true),
		RequiredConversationResolution: new(in.RequiredConversationResolution),
		RequireLinearHistory:           new(in.RequiredLinearHistory),
	}
	if r := in.Restrictions; r != nil {
		req.Restrictions = &gh.BranchRestrictionsRequest{Users: nonNil(r.Users), Teams: nonNil(r.Teams), Apps: nonNil(r.Apps)}
	}
	if _, _, err := g.client.Repositories.UpdateBranchProtection(ctx, g.owner, g.name, branch, req); err != nil {
		log.Warn("skipping the default branch protection", "repository", g.owner+"/"+g.name, "error", err.Error())
		return
	}
	if in.RequiredCommitSigning {
		if _, _, err := g.client.Repositories.RequireSignaturesOnProtectedBranch(ctx, g.owner, g.name, branch); err != nil {
			log.Warn("skipping required commit signing", "repository", g.owner+"/"+g.name, "error", err.Error())
		}
	}
}

// githubPush are the inputs of the initial commit.
type githubPush struct {
	DefaultBranch    *string `json:"defaultBranch"`
	SourcePath       string  `json:"sourcePath"`
	GitCommitMessage string  `json:"gitCommitMessage"`
	GitAuthorName    string  `json:"gitAuthorName"`
	GitAuthorEmail   string  `json:"gitAuthorEmail"`
}

var githubPushSchema = props{
	"defaultBranch":    str("Default Branch", "'master' by default"),
	"sourcePath":       sourcePathInput,
	"gitCommitMessage": commitMessageInput,
	"gitAuthorName":    authorNameInput,
	"gitAuthorEmail":   authorEmailInput,
}

// pushAndProtect pushes the workspace to the repository's clone URL,
// protects the default branch and sets the outputs.
func (e *env) pushAndProtect(ctx context.Context, ac *plugin.ActionContext, g *githubRepo, repo createdRepo, p githubPush, prot githubProtection) error {
	dir, err := resolveInside(ac.Workspace, p.SourcePath, "sourcePath")
	if err != nil {
		return err
	}
	branch := orDefault(p.DefaultBranch, "master")
	hash, err := checkpoint(ac, "init.repo.and.push."+repo.CloneURL, func() (string, error) {
		return initAndPush(ctx, push{
			Dir:       dir,
			RemoteURL: repo.CloneURL,
			Branch:    branch,
			Message:   firstOf(p.GitCommitMessage, e.commitMessage),
			Author:    e.commitAuthor(p.GitAuthorName, p.GitAuthorEmail),
			Username:  "x-access-token",
			Password:  g.token,
		})
	})
	if err != nil {
		return err
	}
	logger(ac).Info("pushed the workspace", "remoteUrl", repo.CloneURL, "branch", branch, "commit", hash)
	g.protect(ctx, logger(ac), branch, prot)
	output(ac, "remoteUrl", repo.CloneURL)
	output(ac, "repoContentsUrl", repo.HTMLURL+"/blob/"+branch)
	output(ac, "commitHash", hash)
	return nil
}

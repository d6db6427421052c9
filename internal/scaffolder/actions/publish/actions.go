// Package publish holds the scaffolder actions that publish a task's
// workspace as a git repository: publish:git (Callboard's, to any git
// remote), and Backstage's GitHub, GitLab and Gitea actions, which create
// the repository through the forge's API, push the workspace to the clone
// URL the API returns with go-git, and open pull or merge requests,
// dispatch workflows and add webhooks. Forges are configured by
// Backstage's integrations section.
package publish

import (
	"context"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/callboard/callboard/internal/integration"
	"github.com/callboard/callboard/plugin"
)

// Deps is what the actions need.
type Deps struct {
	// Integrations is the decoded integrations section.
	Integrations integration.Config
	// DefaultAuthorName and DefaultAuthorEmail are
	// scaffolder.defaultAuthor.{name,email}; "Scaffolder" and
	// "scaffolder@backstage.io" when empty.
	DefaultAuthorName, DefaultAuthorEmail string
	// DefaultCommitMessage is scaffolder.defaultCommitMessage; "Initial
	// commit" when empty.
	DefaultCommitMessage string
	// HTTPClient makes the forge API requests; one with a 60 s timeout when
	// nil. Git pushes use go-git's own HTTP client.
	HTTPClient *http.Client
	// LocalRepositories are the directories publish:git may push into with
	// file:// remotes (scaffolder.publish.localRepositories). With none,
	// file:// remotes are refused: a template must not be able to write
	// into whatever repository the server's user can.
	LocalRepositories []string
}

// Backstage's defaults for commits.
const (
	defaultAuthorName    = "Scaffolder"
	defaultAuthorEmail   = "scaffolder@backstage.io"
	defaultCommitMessage = "Initial commit"
)

// Actions returns every action of the package.
func Actions(d Deps) []plugin.Action {
	e := newEnv(d)
	return []plugin.Action{
		e.publishGit(),
		e.publishGitHub(),
		e.githubRepoCreate(),
		e.githubRepoPush(),
		e.publishGitHubPullRequest(),
		e.githubActionsDispatch(),
		e.githubWebhook(),
		e.publishGitLab(),
		e.publishGitLabMergeRequest(),
		e.publishGitea(),
	}
}

// env is what every action shares.
type env struct {
	forges        *forges
	http          *http.Client
	authorName    string
	authorEmail   string
	commitMessage string
	// localRoots are Deps.LocalRepositories, cleaned.
	localRoots []string
	// cfgAuthorName and cfgAuthorEmail are the configured defaults only;
	// pull request commits without them are authored by the token's user.
	cfgAuthorName, cfgAuthorEmail string
}

func newEnv(d Deps) *env {
	hc := d.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	var roots []string
	for _, r := range d.LocalRepositories {
		if r = strings.TrimSpace(r); r != "" {
			roots = append(roots, filepath.Clean(r))
		}
	}
	return &env{
		localRoots:     roots,
		forges:         newForges(d.Integrations),
		http:           hc,
		authorName:     firstOf(d.DefaultAuthorName, defaultAuthorName),
		authorEmail:    firstOf(d.DefaultAuthorEmail, defaultAuthorEmail),
		commitMessage:  firstOf(d.DefaultCommitMessage, defaultCommitMessage),
		cfgAuthorName:  d.DefaultAuthorName,
		cfgAuthorEmail: d.DefaultAuthorEmail,
	}
}

// commitAuthor returns the author from the inputs, else the configured
// default.
func (e *env) commitAuthor(name, email string) author {
	return author{Name: firstOf(name, e.authorName), Email: firstOf(email, e.authorEmail)}
}

// requestAuthor is the author of a pull or merge request's commit: the
// inputs', else the configured default, completed by commitAuthor. ok is
// false when neither names anyone, and the forge then credits the token's
// user.
func (e *env) requestAuthor(name, email string) (a author, ok bool) {
	name, email = firstOf(name, e.cfgAuthorName), firstOf(email, e.cfgAuthorEmail)
	if name == "" && email == "" {
		return author{}, false
	}
	return e.commitAuthor(name, email), true
}

// action is a plugin.Action made of its description and a function.
type action struct {
	info plugin.ActionInfo
	run  func(ctx context.Context, ac *plugin.ActionContext) error
}

var _ plugin.Action = action{}

func (a action) Info() plugin.ActionInfo { return a.info }

// Run runs the action; its errors name the action and keep their class.
func (a action) Run(ctx context.Context, ac *plugin.ActionContext) error {
	if err := a.run(ctx, ac); err != nil {
		return wrap(a.info.ID, err)
	}
	return nil
}

func logger(ac *plugin.ActionContext) *slog.Logger {
	if ac.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return ac.Logger
}

package publish

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"strings"

	gh "github.com/google/go-github/v92/github"
	"golang.org/x/crypto/nacl/box"

	"github.com/callboard/callboard/internal/problem"
)

// githubRepo is a repository on a configured GitHub host and a client
// authenticated for it.
type githubRepo struct {
	client      *gh.Client
	token       string
	owner, name string
}

// githubRepoFor parses repoURL and returns a client authenticated with
// token, else with the integration's token.
func (e *env) githubRepoFor(repoURL, token string) (*githubRepo, error) {
	r, err := e.forges.parse(repoURL)
	if err != nil {
		return nil, err
	}
	cfg, err := e.forges.githubFor(r.Host)
	if err != nil {
		return nil, err
	}
	if r.Owner == "" {
		return nil, problem.Input("Invalid repo URL passed to publisher: %s, missing owner", repoURL)
	}
	tok := firstOf(token, cfg.Token)
	if tok == "" {
		return nil, problem.Input("No token available for host: %s, with owner %s, and repo %s", r.Host, r.Owner, r.Repo)
	}
	if cfg.APIBaseURL == "" {
		return nil, problem.Input("integrations.github for host %s has no apiBaseUrl; the GitHub actions need the API", r.Host)
	}
	base := strings.TrimRight(cfg.APIBaseURL, "/") + "/"
	c, err := gh.NewClient(gh.WithHTTPClient(e.http), gh.WithAuthToken(tok), gh.WithURLs(&base, &base))
	if err != nil {
		return nil, fmt.Errorf("GitHub client for %s: %w", r.Host, err)
	}
	return &githubRepo{client: c, token: tok, owner: r.Owner, name: r.Repo}, nil
}

// ghError names a failed GitHub call and classifies it by its status.
func ghError(call string, resp *gh.Response, err error) error {
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	return apiError(call, status, err)
}

// githubRepoSettings are the inputs that shape a new repository.
type githubRepoSettings struct {
	RepoURL                  string               `json:"repoUrl"`
	Description              string               `json:"description"`
	Homepage                 string               `json:"homepage"`
	Access                   string               `json:"access"`
	RepoVisibility           *string              `json:"repoVisibility"`
	DeleteBranchOnMerge      *bool                `json:"deleteBranchOnMerge"`
	AllowMergeCommit         *bool                `json:"allowMergeCommit"`
	AllowSquashMerge         *bool                `json:"allowSquashMerge"`
	SquashMergeCommitTitle   *string              `json:"squashMergeCommitTitle"`
	SquashMergeCommitMessage *string              `json:"squashMergeCommitMessage"`
	AllowRebaseMerge         *bool                `json:"allowRebaseMerge"`
	AllowAutoMerge           *bool                `json:"allowAutoMerge"`
	AllowUpdateBranch        *bool                `json:"allowUpdateBranch"`
	Collaborators            []githubCollaborator `json:"collaborators"`
	HasProjects              *bool                `json:"hasProjects"`
	HasWiki                  *bool                `json:"hasWiki"`
	HasIssues                *bool                `json:"hasIssues"`
	Topics                   []string             `json:"topics"`
	RepoVariables            map[string]string    `json:"repoVariables"`
	Secrets                  map[string]string    `json:"secrets"`
	CustomProperties         map[string]any       `json:"customProperties"`
	Subscribe                bool                 `json:"subscribe"`
	Token                    string               `json:"token"`
}

type githubCollaborator struct {
	User   string `json:"user"`
	Team   string `json:"team"`
	Access string `json:"access"`
}

var githubRepoSettingsSchema = props{
	"repoUrl":        repoURLInput,
	"description":    str("Repository Description", ""),
	"homepage":       str("Repository Homepage", ""),
	"access":         str("Repository Access", "Sets an admin collaborator on the repository: a user login or an 'owner/team-slug' team"),
	"repoVisibility": enum("Repository Visibility", "'private' by default", "private", "public", "internal"),
	"deleteBranchOnMerge": boolean("Delete Branch On Merge",
		"Automatically delete head branches after pull requests are merged; false by default"),
	"allowMergeCommit": boolean("Allow Merge Commits", "true by default"),
	"allowSquashMerge": boolean("Allow Squash Merges", "true by default"),
	"squashMergeCommitTitle": enum("Default squash merge commit title", "'COMMIT_OR_PR_TITLE' by default",
		"PR_TITLE", "COMMIT_OR_PR_TITLE"),
	"squashMergeCommitMessage": enum("Default squash merge commit message", "'COMMIT_MESSAGES' by default",
		"PR_BODY", "COMMIT_MESSAGES", "BLANK"),
	"allowRebaseMerge":  boolean("Allow Rebase Merges", "true by default"),
	"allowAutoMerge":    boolean("Allow Auto Merges", "false by default"),
	"allowUpdateBranch": boolean("Allow Update Branch", "Always suggest updating pull request branches; false by default"),
	"collaborators": list("Collaborators", "Users and teams to get access to the repository", object([]string{"access"}, props{
		"access": str("Access", "pull, triage, push, maintain, admin or a custom role"),
		"user":   str("User", "A user login or user entity ref"),
		"team":   str("Team", "A team slug or group entity ref"),
	})),
	"hasProjects":   boolean("Enable projects", ""),
	"hasWiki":       boolean("Enable the wiki", ""),
	"hasIssues":     boolean("Enable issues", ""),
	"topics":        strList("Topics", "Repository topics, lower-cased"),
	"repoVariables": typedMap("Repository Variables", "GitHub Actions variables of the repository"),
	"secrets":       typedMap("Repository Secrets", "GitHub Actions secrets of the repository, encrypted for the repository"),
	"customProperties": anyObject("Custom Repository Properties",
		"Custom properties of an organization repository"),
	"subscribe": boolean("Subscribe to repository", "Watch the new repository as the token's user"),
	"token":     tokenInput,
}

func typedMap(title, desc string) map[string]any {
	s := anyObject(title, desc)
	s["additionalProperties"] = map[string]any{"type": "string"}
	return s
}

// createdRepo is what the repository creation returned; it is a task
// checkpoint, so that a retried task does not create the repository again.
type createdRepo struct {
	CloneURL      string `json:"cloneUrl"`
	HTMLURL       string `json:"htmlUrl"`
	DefaultBranch string `json:"defaultBranch"`
}

// createRepo creates the repository for a user or an organization, as
// GitHub reports the owner's type, then applies access, collaborators,
// topics, variables, secrets and the subscription. Failures after the
// creation are logged and skipped, as Backstage does.
func (g *githubRepo) createRepo(ctx context.Context, log *slog.Logger, in githubRepoSettings) (createdRepo, error) {
	user, resp, err := g.client.Users.Get(ctx, g.owner)
	if err != nil {
		return createdRepo{}, ghError("look up the owner "+g.owner, resp, err)
	}
	ownerType := user.GetType()
	visibility := orDefault(in.RepoVisibility, "private")
	req := &gh.Repository{
		Name:                     new(g.name),
		Private:                  new(visibility == "private"),
		DeleteBranchOnMerge:      new(orDefault(in.DeleteBranchOnMerge, false)),
		AllowMergeCommit:         new(orDefault(in.AllowMergeCommit, true)),
		AllowSquashMerge:         new(orDefault(in.AllowSquashMerge, true)),
		SquashMergeCommitTitle:   new(orDefault(in.SquashMergeCommitTitle, "COMMIT_OR_PR_TITLE")),
		SquashMergeCommitMessage: new(orDefault(in.SquashMergeCommitMessage, "COMMIT_MESSAGES")),
		AllowRebaseMerge:         new(orDefault(in.AllowRebaseMerge, true)),
		AllowAutoMerge:           new(orDefault(in.AllowAutoMerge, false)),
		AllowUpdateBranch:        new(orDefault(in.AllowUpdateBranch, false)),
		HasProjects:              in.HasProjects,
		HasWiki:                  in.HasWiki,
		HasIssues:                in.HasIssues,
	}
	if in.Description != "" {
		req.Description = new(in.Description)
	}
	if in.Homepage != "" {
		req.Homepage = new(in.Homepage)
	}
	org := ""
	if ownerType == "Organization" {
		org = g.owner
		req.Visibility = new(visibility)
		req.CustomProperties = in.CustomProperties
	}
	repo, resp, err := g.client.Repositories.Create(ctx, org, req)
	if err != nil {
		return createdRepo{}, ghError(fmt.Sprintf("Failed to create the %s repository %s/%s", ownerType, g.owner, g.name), resp, err)
	}
	log.Info("created the repository", "repository", repo.GetFullName(), "url", repo.GetHTMLURL())

	if team, ok := strings.CutPrefix(in.Access, g.owner+"/"); ok {
		if resp, err := g.client.Teams.AddTeamRepoBySlug(ctx, g.owner, team, g.owner, g.name, &gh.TeamAddTeamRepoOptions{Permission: "admin"}); err != nil {
			return createdRepo{}, ghError("give team "+team+" admin access", resp, err)
		}
	} else if in.Access != "" && in.Access != g.owner {
		if _, resp, err := g.client.Repositories.AddCollaborator(ctx, g.owner, g.name, in.Access, &gh.RepositoryAddCollaboratorOptions{Permission: "admin"}); err != nil {
			return createdRepo{}, ghError("give "+in.Access+" admin access", resp, err)
		}
	}
	for _, c := range in.Collaborators {
		var err error
		switch {
		case c.User != "":
			_, _, err = g.client.Repositories.AddCollaborator(ctx, g.owner, g.name, refName(c.User), &gh.RepositoryAddCollaboratorOptions{Permission: c.Access})
		case c.Team != "":
			_, err = g.client.Teams.AddTeamRepoBySlug(ctx, g.owner, refName(c.Team), g.owner, g.name, &gh.TeamAddTeamRepoOptions{Permission: c.Access})
		}
		if err != nil {
			log.Warn("skipping a collaborator", "access", c.Access, "collaborator", refName(firstOf(c.User, c.Team)), "error", err.Error())
		}
	}
	if len(in.Topics) > 0 {
		topics := make([]string, len(in.Topics))
		for i, t := range in.Topics {
			topics[i] = strings.ToLower(t)
		}
		if _, _, err := g.client.Repositories.ReplaceAllTopics(ctx, g.owner, g.name, topics); err != nil {
			log.Warn("skipping topics", "topics", strings.Join(topics, " "), "error", err.Error())
		}
	}
	for _, name := range sortedKeys(in.RepoVariables) {
		if resp, err := g.client.Actions.CreateRepoVariable(ctx, g.owner, g.name, gh.ActionsCreateVariableRequest{Name: name, Value: in.RepoVariables[name]}); err != nil {
			return createdRepo{}, ghError("create repository variable "+name, resp, err)
		}
	}
	if len(in.Secrets) > 0 {
		if err := g.putSecrets(ctx, in.Secrets); err != nil {
			return createdRepo{}, err
		}
	}
	if in.Subscribe {
		if _, resp, err := g.client.Activity.SetRepositorySubscription(ctx, g.owner, g.name, &gh.Subscription{Subscribed: new(true)}); err != nil {
			return createdRepo{}, ghError("subscribe to the repository", resp, err)
		}
	}
	return createdRepo{CloneURL: repo.GetCloneURL(), HTMLURL: repo.GetHTMLURL(), DefaultBranch: repo.GetDefaultBranch()}, nil
}

// putSecrets stores GitHub Actions secrets, sealed with the repository's
// public key as GitHub requires.
func (g *githubRepo) putSecrets(ctx context.Context, secrets map[string]string) error {
	key, resp, err := g.client.Actions.GetRepoPublicKey(ctx, g.owner, g.name)
	if err != nil {
		return ghError("get the repository's public key", resp, err)
	}
	raw, err := base64.StdEncoding.DecodeString(key.GetKey())
	if err != nil || len(raw) != 32 {
		return fmt.Errorf("the repository's public key is not a base64 curve25519 key")
	}
	var pub [32]byte
	copy(pub[:], raw)
	for _, name := range sortedKeys(secrets) {
		sealed, err := box.SealAnonymous(nil, []byte(secrets[name]), &pub, rand.Reader)
		if err != nil {
			return fmt.Errorf("seal secret %s: %w", name, err)
		}
		body := gh.SecretRequest{KeyID: key.GetKeyID(), EncryptedValue: base64.StdEncoding.EncodeToString(sealed)}
		if resp, err := g.client.Actions.CreateOrUpdateRepoSecret(ctx, g.owner, g.name, name, body); err != nil {
			return ghError("create repository secret "+name, resp, err)
		}
	}
	return nil
}

// refName returns the name of an entity ref ("user:default/ada" → "ada"),
// or s unchanged when it is a plain name.
func refName(s string) string {
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		return s[i+1:]
	}
	if i := strings.IndexByte(s, ':'); i >= 0 {
		return s[i+1:]
	}
	return s
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func merge(ps ...props) props {
	out := props{}
	for _, p := range ps {
		for k, v := range p {
			out[k] = v
		}
	}
	return out
}

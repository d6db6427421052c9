package publish

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	gitobject "github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	"github.com/go-git/go-git/v5/storage/memory"

	"github.com/callboard/callboard/internal/problem"
)

// author is a commit's author and committer.
type author struct{ Name, Email string }

// push is one initial commit of a directory pushed to a remote branch.
type push struct {
	// Dir is the directory whose files become the commit's tree.
	Dir       string
	RemoteURL string
	Branch    string
	Message   string
	Author    author
	// Username and Password authenticate HTTP(S) remotes when Password is
	// set.
	Username, Password string
}

// initAndPush commits every file of p.Dir (minus what .gitignore files
// exclude) as the first commit of p.Branch and pushes it to p.RemoteURL.
// It returns the commit hash.
func initAndPush(ctx context.Context, p push) (string, error) {
	branch := plumbing.NewBranchReferenceName(p.Branch)
	if err := branch.Validate(); err != nil || p.Branch == "" {
		return "", problem.Input("invalid branch name %q", p.Branch)
	}
	auth, err := pushAuth(p.RemoteURL, p.Username, p.Password)
	if err != nil {
		return "", err
	}
	// The objects are kept in memory: writing each as a loose object file
	// costs more than the push itself, and nothing is left in p.Dir.
	repo, err := git.InitWithOptions(memory.NewStorage(), osfs.New(p.Dir), git.InitOptions{DefaultBranch: branch})
	if err != nil {
		return "", fmt.Errorf("git init: %w", err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		return "", fmt.Errorf("git init: %w", err)
	}
	if err := wt.AddWithOptions(&git.AddOptions{All: true}); err != nil {
		return "", fmt.Errorf("git add: %w", err)
	}
	sig := &gitobject.Signature{Name: p.Author.Name, Email: p.Author.Email, When: time.Now()}
	hash, err := wt.Commit(p.Message, &git.CommitOptions{Author: sig, Committer: sig, AllowEmptyCommits: true})
	if err != nil {
		return "", fmt.Errorf("git commit: %w", err)
	}
	if strings.HasPrefix(p.RemoteURL, "file:") {
		if err := pushLocal(repo, p.RemoteURL, branch, hash); err != nil {
			return "", err
		}
		return hash.String(), nil
	}
	// A first commit of generated files gains little from delta
	// compression, which costs most of a push's time.
	cfg, err := repo.Config()
	if err != nil {
		return "", fmt.Errorf("git config: %w", err)
	}
	cfg.Pack.Window = 0
	if err := repo.SetConfig(cfg); err != nil {
		return "", fmt.Errorf("git config: %w", err)
	}
	if _, err := repo.CreateRemote(&config.RemoteConfig{Name: "origin", URLs: []string{p.RemoteURL}}); err != nil {
		return "", problem.Input("remote URL %s: %v", redactURL(p.RemoteURL), err)
	}
	spec := config.RefSpec(branch.String() + ":" + branch.String())
	err = repo.PushContext(ctx, &git.PushOptions{RemoteName: "origin", RefSpecs: []config.RefSpec{spec}, Auth: auth})
	if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
		return "", pushError(redactURL(p.RemoteURL), err)
	}
	return hash.String(), nil
}

// pushError names the remote and classifies the transport's errors.
func pushError(remote string, err error) error {
	msg := fmt.Sprintf("git push to %s: %v", remote, err)
	switch {
	case errors.Is(err, transport.ErrAuthenticationRequired):
		return problem.Unauthenticated("%s", msg).WithCause(err)
	case errors.Is(err, transport.ErrAuthorizationFailed):
		return problem.NotAllowed("%s", msg).WithCause(err)
	case errors.Is(err, transport.ErrRepositoryNotFound):
		return problem.NotFound("%s", msg).WithCause(err)
	}
	return fmt.Errorf("git push to %s: %w", remote, err)
}

// pushAuth returns the credentials for remote: HTTP basic authentication
// for http(s) remotes when a password (token) is given, none otherwise.
// The user name comes from the URL when it carries one.
func pushAuth(remote, username, password string) (transport.AuthMethod, error) {
	u, err := url.Parse(remote)
	if err != nil || u.Scheme == "" {
		return nil, problem.Input("invalid remote URL %q", redactURL(remote))
	}
	switch u.Scheme {
	case "file":
		return nil, nil
	case "http", "https":
	default:
		return nil, problem.Input("unsupported remote URL scheme %q in %s: use https, http or file", u.Scheme, redactURL(remote))
	}
	if password == "" {
		if pw, ok := u.User.Password(); ok {
			return &githttp.BasicAuth{Username: u.User.Username(), Password: pw}, nil
		}
		return nil, nil
	}
	if u.User != nil && u.User.Username() != "" {
		username = u.User.Username()
	}
	return &githttp.BasicAuth{Username: username, Password: password}, nil
}

// redactURL drops the password of a URL's user information.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	if _, ok := u.User.Password(); !ok {
		return s
	}
	u.User = url.User(u.User.Username())
	return u.String()
}

// browseBase drops a trailing ".git" and slash from a clone URL.
func browseBase(cloneURL string) string {
	return strings.TrimSuffix(strings.TrimSuffix(cloneURL, "/"), ".git")
}

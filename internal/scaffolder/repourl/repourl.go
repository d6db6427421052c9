// Package repourl parses the repository strings RepoUrlPicker produces
// ("github.com?owner=o&repo=r"), with the parameters each kind of
// integration requires, as Backstage's parseRepoUrl does. The
// parseRepoUrl template filter and the publish actions share it.
package repourl

import (
	"net/url"
	"strings"

	"github.com/callboard/callboard/internal/problem"
)

// Integration kinds, as Backstage names them.
const (
	GitHub          = "github"
	GitLab          = "gitlab"
	Gitea           = "gitea"
	Gerrit          = "gerrit"
	Azure           = "azure"
	BitbucketCloud  = "bitbucketCloud"
	BitbucketServer = "bitbucketServer"
	// Bitbucket is the older kind that covered Cloud and Server.
	Bitbucket = "bitbucket"
)

// RepoURL is a parsed repository string. Empty fields were not given.
type RepoURL struct {
	Host, Owner, Repo, Organization, Workspace, Project string
}

// params are the query parameters a repository string may carry, in the
// order RepoURL.String writes them.
var params = []string{"owner", "organization", "workspace", "project", "repo"}

// Parse parses s ("host?owner=x&repo=y"). kindOf returns the integration
// kind configured for a host; a host it does not know is an error, as is
// a missing parameter the kind requires. Errors are problem.Input with
// Backstage's texts.
func Parse(s string, kindOf func(host string) (kind string, ok bool)) (RepoURL, error) {
	u, err := url.Parse("https://" + s)
	if err != nil {
		return RepoURL{}, problem.Input("Invalid repo URL passed to publisher, got %s, %v", s, err)
	}
	host := strings.TrimSuffix(strings.ToLower(u.Host), ":443")
	if host == "" {
		return RepoURL{}, problem.Input("Invalid repo URL passed to publisher, got %s, missing host", s)
	}
	u.Host = host
	if u.Path == "" {
		u.Path = "/"
	}
	kind, ok := kindOf(host)
	if !ok {
		return RepoURL{}, problem.Input("No matching integration configuration for host %s, please check your integrations config", host)
	}
	q := u.Query()
	r := RepoURL{
		Host:         host,
		Owner:        q.Get("owner"),
		Repo:         q.Get("repo"),
		Organization: q.Get("organization"),
		Workspace:    q.Get("workspace"),
		Project:      q.Get("project"),
	}
	for _, p := range required(kind, host, r) {
		if q.Get(p) == "" {
			return RepoURL{}, problem.Input("Invalid repo URL passed to publisher: %s, missing %s", u, p)
		}
	}
	return r, nil
}

// required lists the parameters kind needs, in the order they are checked.
func required(kind, host string, r RepoURL) []string {
	switch kind {
	case BitbucketCloud:
		return []string{"workspace", "project", "repo"}
	case Bitbucket:
		if host == "bitbucket.org" || host == "www.bitbucket.org" {
			return []string{"workspace", "project", "repo"}
		}
		return []string{"project", "repo"}
	case BitbucketServer, Azure:
		return []string{"project", "repo"}
	case GitLab:
		// project is a project id, which names the repository alone.
		if r.Project != "" {
			return nil
		}
		return []string{"owner", "repo"}
	case Gitea, Gerrit:
		return []string{"repo"}
	}
	return []string{"owner", "repo"}
}

// String returns the repository string: the host and the parameters that
// are set.
func (r RepoURL) String() string {
	var b strings.Builder
	b.WriteString(r.Host)
	sep := byte('?')
	for i, v := range r.values() {
		if v == "" {
			continue
		}
		b.WriteByte(sep)
		sep = '&'
		b.WriteString(params[i])
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(v))
	}
	return b.String()
}

func (r RepoURL) values() []string {
	return []string{r.Owner, r.Organization, r.Workspace, r.Project, r.Repo}
}

// Map returns the parsed fields as the parseRepoUrl filter gives them:
// host and repo always, the other fields when set.
func (r RepoURL) Map() map[string]any {
	m := map[string]any{"host": r.Host, "repo": r.Repo}
	for i, v := range r.values() {
		if v != "" {
			m[params[i]] = v
		}
	}
	return m
}

// Hosts maps integration hosts (lower case) to their kind.
type Hosts map[string]string

// KindOf returns the kind configured for host; it suits Parse.
func (h Hosts) KindOf(host string) (string, bool) {
	k, ok := h[strings.ToLower(host)]
	return k, ok
}

package publish

import (
	"fmt"
	"strings"

	"github.com/callboard/callboard/internal/integration"
	"github.com/callboard/callboard/internal/integration/bitbucket"
	"github.com/callboard/callboard/internal/integration/gitea"
	"github.com/callboard/callboard/internal/integration/github"
	"github.com/callboard/callboard/internal/integration/gitlab"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/scaffolder/repourl"
)

// HostKinds returns the integration kind of every configured host, plus
// the hosts Backstage configures by default (github.com, gitlab.com,
// bitbucket.org, dev.azure.com), for repourl.Parse and the parseRepoUrl
// filter.
func HostKinds(cfg integration.Config) repourl.Hosts {
	h := repourl.Hosts{
		github.DefaultHost:  repourl.GitHub,
		gitlab.DefaultHost:  repourl.GitLab,
		bitbucket.CloudHost: repourl.BitbucketCloud,
		"dev.azure.com":     repourl.Azure,
	}
	add := func(host, kind string) {
		if host = strings.ToLower(strings.TrimSpace(host)); host != "" {
			h[host] = kind
		}
	}
	for _, c := range cfg.GitHub {
		add(c.Host, repourl.GitHub)
	}
	for _, c := range cfg.GitLab {
		add(c.Host, repourl.GitLab)
	}
	for _, c := range cfg.BitbucketServer {
		add(c.Host, repourl.BitbucketServer)
	}
	for _, c := range cfg.Azure {
		add(c.Host, repourl.Azure)
	}
	for _, c := range cfg.Gitea {
		add(c.Host, repourl.Gitea)
	}
	return h
}

// forges holds the GitHub, GitLab and Gitea integrations by host, with
// Backstage's defaults filled in.
type forges struct {
	kinds  repourl.Hosts
	github map[string]github.Config
	gitlab map[string]gitlab.Config
	gitea  map[string]gitea.Config
	// broken holds the configuration error of a host, reported when an
	// action uses it.
	broken map[string]error
}

func newForges(cfg integration.Config) *forges {
	f := &forges{
		kinds:  HostKinds(cfg),
		github: map[string]github.Config{},
		gitlab: map[string]gitlab.Config{},
		gitea:  map[string]gitea.Config{},
		broken: map[string]error{},
	}
	gh := append([]github.Config{{}}, cfg.GitHub...)
	for i, c := range gh {
		d, err := c.WithDefaults()
		if err != nil {
			f.broken[strings.ToLower(c.Host)] = fmt.Errorf("integrations.github[%d]: %w", i-1, err)
			continue
		}
		f.github[d.Host] = d
	}
	gl := append([]gitlab.Config{{}}, cfg.GitLab...)
	for i, c := range gl {
		d, err := c.WithDefaults()
		if err != nil {
			f.broken[strings.ToLower(c.Host)] = fmt.Errorf("integrations.gitlab[%d]: %w", i-1, err)
			continue
		}
		f.gitlab[d.Host] = d
	}
	for i, c := range cfg.Gitea {
		d, err := c.WithDefaults()
		if err != nil {
			f.broken[strings.ToLower(c.Host)] = fmt.Errorf("integrations.gitea[%d]: %w", i, err)
			continue
		}
		f.gitea[d.Host] = d
	}
	return f
}

// parse parses a repoUrl input.
func (f *forges) parse(repoURL string) (repourl.RepoURL, error) {
	return repourl.Parse(repoURL, f.kinds.KindOf)
}

func (f *forges) noIntegration(host string) error {
	if err, ok := f.broken[host]; ok {
		return problem.Input("%v", err)
	}
	return problem.Input("No matching integration configuration for host %s, please check your integrations config", host)
}

func (f *forges) githubFor(host string) (github.Config, error) {
	c, ok := f.github[host]
	if !ok {
		return c, f.noIntegration(host)
	}
	return c, nil
}

func (f *forges) gitlabFor(host string) (gitlab.Config, error) {
	c, ok := f.gitlab[host]
	if !ok {
		return c, f.noIntegration(host)
	}
	return c, nil
}

func (f *forges) giteaFor(host string) (gitea.Config, error) {
	c, ok := f.gitea[host]
	if !ok {
		return c, f.noIntegration(host)
	}
	return c, nil
}

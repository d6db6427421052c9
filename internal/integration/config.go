// Package integration reads catalog files from the forges configured under
// integrations (GitHub, GitLab, Bitbucket Cloud and Server, Azure DevOps,
// Gitea), in Backstage's integrations config shape. Its Reader picks the
// forge by the URL's host and falls back to plain HTTP, limited by
// backend.reading.allow, for other hosts. Every forge credential has one
// request budget, shared by every reader that uses it.
package integration

import (
	"github.com/callboard/callboard/internal/config"
	"github.com/callboard/callboard/internal/integration/azure"
	"github.com/callboard/callboard/internal/integration/bitbucket"
	"github.com/callboard/callboard/internal/integration/gitea"
	"github.com/callboard/callboard/internal/integration/github"
	"github.com/callboard/callboard/internal/integration/gitlab"
)

// Config is the integrations section.
type Config struct {
	GitHub          []github.Config          `config:"github"`
	GitLab          []gitlab.Config          `config:"gitlab"`
	BitbucketCloud  []bitbucket.CloudConfig  `config:"bitbucketCloud"`
	BitbucketServer []bitbucket.ServerConfig `config:"bitbucketServer"`
	Azure           []azure.Config           `config:"azure"`
	Gitea           []gitea.Config           `config:"gitea"`
}

// Section is the top-level configuration key this package reads.
const Section = "integrations"

// FromConfig decodes the integrations section.
func FromConfig(c *config.Config) (Config, error) {
	var cfg Config
	err := c.Decode(Section, &cfg)
	return cfg, err
}

// withDefaults adds, as Backstage does, anonymous entries for github.com,
// gitlab.com, bitbucket.org and dev.azure.com when they are not
// configured.
func (c Config) withDefaults() Config {
	hasHost := func(hosts []string, want string) bool {
		for _, h := range hosts {
			if h == want || h == "" {
				return true
			}
		}
		return false
	}
	var gh, gl, az []string
	for _, e := range c.GitHub {
		gh = append(gh, lower(e.Host))
	}
	for _, e := range c.GitLab {
		gl = append(gl, lower(e.Host))
	}
	for _, e := range c.Azure {
		az = append(az, lower(e.Host))
	}
	if !hasHost(gh, github.DefaultHost) {
		c.GitHub = append(c.GitHub, github.Config{})
	}
	if !hasHost(gl, gitlab.DefaultHost) {
		c.GitLab = append(c.GitLab, gitlab.Config{})
	}
	if len(c.BitbucketCloud) == 0 {
		c.BitbucketCloud = append(c.BitbucketCloud, bitbucket.CloudConfig{})
	}
	if !hasHost(az, azure.DefaultHost) {
		c.Azure = append(c.Azure, azure.Config{})
	}
	return c
}

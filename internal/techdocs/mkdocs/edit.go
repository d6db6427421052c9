package mkdocs

import (
	"net/url"
	"path"
	"strings"
)

// setRepoDefaults fills repo_name and, unless edit_uri or
// edit_uri_template was set, edit_uri from repo_url, as MkDocs does for
// the hosts it knows.
func (c *Config) setRepoDefaults(editSet bool) {
	if c.RepoURL == "" {
		return
	}
	u, err := url.Parse(c.RepoURL)
	if err != nil {
		return
	}
	host := strings.ToLower(u.Hostname())
	if c.RepoName == "" {
		switch host {
		case "github.com":
			c.RepoName = "GitHub"
		case "gitlab.com":
			c.RepoName = "GitLab"
		case "bitbucket.org":
			c.RepoName = "Bitbucket"
		default:
			first, _, _ := strings.Cut(host, ".")
			if first != "" {
				c.RepoName = strings.ToUpper(first[:1]) + first[1:]
			}
		}
	}
	if editSet {
		return
	}
	switch host {
	case "github.com", "gitlab.com":
		c.EditURI = "edit/master/docs/"
	case "bitbucket.org":
		c.EditURI = "src/default/docs/"
	}
}

// EditURL returns the "edit this page" URL of the page whose source is src
// (slash-separated, relative to docs_dir), or "" when the site has none.
func (c *Config) EditURL(src string) string {
	edit := c.EditURI
	if c.EditURITemplate != "" {
		noext := strings.TrimSuffix(src, path.Ext(src))
		edit = strings.NewReplacer("{path}", src, "{path_noext}", noext, "{path!q}", url.PathEscape(src), "{path_noext!q}", url.PathEscape(noext)).Replace(c.EditURITemplate)
	} else if edit != "" {
		edit += src
	}
	if edit == "" {
		return ""
	}
	ref, err := url.Parse(edit)
	if err != nil {
		return ""
	}
	if c.RepoURL == "" {
		if ref.Scheme == "" || ref.Host == "" {
			return ""
		}
		return ref.String()
	}
	repo := c.RepoURL
	if !strings.HasPrefix(edit, "?") && !strings.HasPrefix(edit, "#") && !strings.HasSuffix(repo, "/") {
		repo += "/"
	}
	base, err := url.Parse(repo)
	if err != nil {
		return ""
	}
	out := base.ResolveReference(ref)
	if out.Scheme != "http" && out.Scheme != "https" {
		return ""
	}
	return out.String()
}

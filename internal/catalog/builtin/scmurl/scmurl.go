// Package scmurl resolves and classifies the URLs of files kept in source
// code hosts (GitHub, GitLab, Bitbucket Cloud and Server, Azure DevOps,
// Gitea) the way Backstage's SCM integrations do: relative targets against
// a catalog file's URL, the repository a file URL belongs to, and the
// "edit this file" URL.
package scmurl

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// GitURL is a file or folder URL of a git host split into its parts.
type GitURL struct {
	Host string // lower-cased host, with the port when one is given
	// Organization is the Azure DevOps organization (or collection path);
	// "" on other hosts.
	Organization string
	// Owner is the user, organisation or group path ("group/subgroup" on
	// GitLab), the project key on Bitbucket Server, the project on Azure
	// DevOps.
	Owner string
	Name  string // repository name
	Ref   string // branch, tag or commit
	// Filepath is the path inside the repository, without a leading slash.
	Filepath string
	// Root is the URL path up to and including the ref, e.g.
	// "/org/repo/blob/main"; Filepath is appended to it. On Azure DevOps,
	// whose file path is the "path" query parameter, it is the repository
	// URL's path.
	Root string
}

// ParseGit recognises the URL shapes of the common git hosts by their path,
// whatever the host name, so self-hosted instances are covered:
//
//	/<owner>/<repo>/{blob,tree,raw,edit}/<ref>/<path>         GitHub
//	/<group>/.../<repo>/-/{blob,tree,raw,edit}/<ref>/<path>   GitLab
//	/<owner>/<repo>/src/<ref>/<path>                          Bitbucket Cloud
//	/<owner>/<repo>/{src,raw}/{branch,tag,commit}/<ref>/<path> Gitea
//	[/<context>]/projects/<KEY>/repos/<repo>/browse/<path>?at=<ref>   Bitbucket Server
//	/<org>[/<project>]/_git/<repo>?path=<path>&version=GB<ref> Azure DevOps
//	raw.githubusercontent.com/<owner>/<repo>/<ref>/<path>     GitHub raw
//
// ok is false for any other URL.
func ParseGit(raw string) (g GitURL, ok bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return GitURL{}, false
	}
	host := strings.ToLower(u.Host)
	segs := strings.Split(strings.TrimPrefix(u.EscapedPath(), "/"), "/")
	if host == "raw.githubusercontent.com" {
		if len(segs) < 4 || segs[0] == "" || segs[1] == "" || segs[2] == "" {
			return GitURL{}, false
		}
		return build(host, segs[:2], segs[2], segs[3:], "/"+strings.Join(segs[:3], "/")), true
	}
	if g, ok := parseAzure(host, u, segs); ok {
		return g, true
	}
	if g, ok := parseBitbucketServer(host, u, segs); ok {
		return g, true
	}
	// GitLab: everything before "/-/" is the project path.
	for i := 2; i+2 < len(segs); i++ {
		if segs[i] == "-" && isFileKind(segs[i+1]) {
			if hasEmpty(segs[:i]) || segs[i+2] == "" {
				return GitURL{}, false
			}
			return build(host, segs[:i], segs[i+2], segs[i+3:], "/"+strings.Join(segs[:i+3], "/")), true
		}
	}
	// Gitea names the kind of ref: /src/branch/<ref>/..., which on
	// bitbucket.org would be a branch called "branch".
	if len(segs) >= 5 && segs[0] != "" && segs[1] != "" && (segs[2] == "src" || segs[2] == "raw") &&
		isGiteaRefKind(segs[3]) && segs[4] != "" && host != "bitbucket.org" {
		return build(host, segs[:2], segs[4], segs[5:], "/"+strings.Join(segs[:5], "/")), true
	}
	if len(segs) >= 4 && segs[0] != "" && segs[1] != "" && segs[3] != "" &&
		(isFileKind(segs[2]) || segs[2] == "src") {
		return build(host, segs[:2], segs[3], segs[4:], "/"+strings.Join(segs[:4], "/")), true
	}
	return GitURL{}, false
}

func isGiteaRefKind(s string) bool { return s == "branch" || s == "tag" || s == "commit" }

// parseBitbucketServer recognises
// [/<context>]/{projects/<KEY>,users/<user>}/repos/<repo>/{browse,raw}/<path>?at=<ref>.
func parseBitbucketServer(host string, u *url.URL, segs []string) (GitURL, bool) {
	for i := 0; i+4 < len(segs); i++ {
		if (segs[i] != "projects" && segs[i] != "users") || segs[i+2] != "repos" || (segs[i+4] != "browse" && segs[i+4] != "raw") ||
			segs[i+1] == "" || segs[i+3] == "" {
			continue
		}
		at := u.Query().Get("at")
		for _, p := range []string{"refs/heads/", "refs/tags/"} {
			at = strings.TrimPrefix(at, p)
		}
		owner := segs[i+1]
		if segs[i] == "users" {
			owner = "~" + owner
		}
		g := build(host, []string{owner, segs[i+3]}, "", segs[i+5:], "/"+strings.Join(segs[:i+5], "/"))
		g.Ref = at
		return g, true
	}
	return GitURL{}, false
}

// parseAzure recognises Backstage's Azure DevOps repository URLs:
// /<org>/_git/<repo> (the project named as the repository),
// /<org>/<project>/_git/<repo> and /<collection>/<org>/<project>/_git/<repo>.
// The file is the "path" query parameter, the ref the "version" one.
func parseAzure(host string, u *url.URL, segs []string) (GitURL, bool) {
	unescape := func(ss []string) []string {
		out := make([]string, len(ss))
		for i, s := range ss {
			out[i] = s
			if v, err := url.PathUnescape(s); err == nil {
				out[i] = v
			}
		}
		return out
	}
	var org, project, repo string
	switch {
	case len(segs) == 3 && segs[1] == "_git":
		p := unescape(segs)
		org, project, repo = p[0], p[2], p[2]
	case len(segs) == 4 && segs[2] == "_git":
		p := unescape(segs)
		org, project, repo = p[0], p[1], p[3]
	case len(segs) == 5 && segs[3] == "_git":
		p := unescape(segs)
		org, project, repo = p[0]+"/"+p[1], p[2], p[4]
	default:
		return GitURL{}, false
	}
	if org == "" || project == "" || repo == "" || strings.HasPrefix(org, "/") {
		return GitURL{}, false
	}
	q := u.Query()
	ref := q.Get("version")
	if len(ref) > 2 && (strings.HasPrefix(ref, "GB") || strings.HasPrefix(ref, "GT") || strings.HasPrefix(ref, "GC")) {
		ref = ref[2:]
	}
	return GitURL{
		Host:         host,
		Organization: org,
		Owner:        project,
		Name:         repo,
		Ref:          ref,
		Filepath:     strings.TrimPrefix(q.Get("path"), "/"),
		Root:         u.EscapedPath(),
	}, true
}

func isFileKind(s string) bool { return s == "blob" || s == "tree" || s == "raw" || s == "edit" }

func hasEmpty(ss []string) bool {
	for _, s := range ss {
		if s == "" {
			return true
		}
	}
	return false
}

func build(host string, repo []string, ref string, file []string, root string) GitURL {
	unescape := func(s string) string {
		if v, err := url.PathUnescape(s); err == nil {
			return v
		}
		return s
	}
	return GitURL{
		Host:     host,
		Owner:    unescape(strings.Join(repo[:len(repo)-1], "/")),
		Name:     unescape(repo[len(repo)-1]),
		Ref:      unescape(ref),
		Filepath: unescape(strings.Join(file, "/")),
		Root:     root,
	}
}

// SameRepository reports whether both URLs are files of the same repository
// on the same host. URLs that are not recognised git URLs are never the same
// repository; callers decide what that means for them.
func SameRepository(a, b GitURL) bool {
	return a.Host == b.Host && strings.EqualFold(a.Organization, b.Organization) &&
		strings.EqualFold(a.Owner, b.Owner) && strings.EqualFold(a.Name, b.Name)
}

// Resolve resolves target against base as Backstage's SCM integrations do.
// An absolute URL (any URL with a scheme) is returned unchanged. A target starting with "/" is
// relative to the repository root when base is a git URL (and to the host
// root otherwise). Any other target follows URL reference resolution. The
// query of base is kept, since some hosts carry the ref there. GitHub file
// and folder URLs come back in their "tree" form, which GitHub redirects for
// files.
func Resolve(target, base string) (string, error) {
	if t, err := url.Parse(target); err == nil && t.Scheme != "" {
		return target, nil // any URL with a scheme is absolute, as for JavaScript's URL
	}
	b, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("invalid base URL %q: %w", base, err)
	}
	if b.Scheme == "" || b.Host == "" {
		return "", fmt.Errorf("invalid base URL %q: not absolute", base)
	}
	ref, err := url.Parse(target)
	if err != nil {
		return "", fmt.Errorf("invalid URL %q: %w", target, err)
	}
	if g, ok := ParseGit(base); ok && g.Organization != "" {
		return resolveAzure(b, ref), nil
	}
	var out *url.URL
	if strings.HasPrefix(target, "/") && !strings.HasPrefix(target, "//") {
		if g, ok := ParseGit(base); ok {
			root := *b
			root.RawPath = ""
			p, err := url.PathUnescape(g.Root)
			if err != nil {
				p = g.Root
			}
			root.Path = strings.TrimSuffix(p, "/") + "/"
			root.RawQuery = ""
			root.Fragment = ""
			ref.Path = strings.TrimPrefix(ref.Path, "/")
			if ref.RawPath != "" {
				ref.RawPath = strings.TrimPrefix(ref.RawPath, "/")
			}
			out = root.ResolveReference(ref)
		}
	}
	if out == nil {
		out = b.ResolveReference(ref)
	}
	out.RawQuery = b.RawQuery
	s := out.String()
	if isGitHub(out.Host) {
		s = replaceGitHubType(s, "tree")
	}
	return s, nil
}

// resolveAzure resolves a relative target against the file an Azure DevOps
// URL names in its "path" parameter, as Backstage's Azure integration does:
// the result is the same repository URL with another path.
func resolveAzure(base, target *url.URL) string {
	q := base.Query()
	dir := &url.URL{Path: "/" + strings.TrimPrefix(q.Get("path"), "/")}
	q.Set("path", dir.ResolveReference(&url.URL{Path: target.Path}).Path)
	out := *base
	out.RawQuery = q.Encode()
	out.Fragment = ""
	return out.String()
}

func isGitHub(host string) bool { return strings.EqualFold(host, "github.com") }

func isGitLab(host string) bool { return strings.EqualFold(host, "gitlab.com") }

var (
	githubType = regexp.MustCompile(`^(https?://[^/]+/[^/]+/[^/]+/)(blob|tree|edit)/`)
	gitlabType = regexp.MustCompile(`^(https?://[^/]+/.+?/-/)(blob|tree|edit)/`)
	commitSHA  = regexp.MustCompile(`[0-9a-fA-F]{40}`)
)

func replaceGitHubType(u, typ string) string {
	return githubType.ReplaceAllString(u, "${1}"+typ+"/")
}

// EditURL returns the URL of the host's editor for a file URL on github.com
// or gitlab.com, or "" when there is none. A URL pinned to a commit has no
// edit URL: a commit cannot be edited.
func EditURL(raw string) string {
	if commitSHA.MatchString(raw) {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	switch {
	case isGitHub(u.Host) && githubType.MatchString(raw):
		return replaceGitHubType(raw, "edit")
	case isGitLab(u.Host) && gitlabType.MatchString(raw):
		return gitlabType.ReplaceAllString(raw, "${1}edit/")
	}
	return ""
}

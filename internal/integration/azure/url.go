package azure

import (
	"net/url"
	"strings"

	"github.com/callboard/callboard/internal/integration/forge"
	"github.com/callboard/callboard/internal/problem"
)

// fileURL is an Azure DevOps file URL split into its parts.
type fileURL struct {
	u *url.URL
	// Owner is the organization (dev.azure.com) or collection path, one or
	// two segments.
	Owner, Project, Repo string
	// Path is the "path" query parameter, with its leading slash.
	Path string
	// Version and VersionType come from "version": GB<branch>,
	// GT<tag> or GC<commit>; both "" for the default branch.
	Version, VersionType string
}

// organization is the first segment of the owner, which credentials are
// matched against.
func (f fileURL) organization() string {
	o, _, _ := strings.Cut(f.Owner, "/")
	return strings.ToLower(o)
}

// parseURL recognises Backstage's three repository URL shapes:
//
//	https://<host>/<org>/_git/<repo>?path=/x.yaml&version=GBmain          (project named as the repo)
//	https://<host>/<org>/<project>/_git/<repo>?path=/x.yaml&version=GBmain
//	https://<host>/<collection>/<org>/<project>/_git/<repo>?path=...     (Azure DevOps Server)
func (r *Reader) parseURL(raw string) (fileURL, error) {
	u, err := forge.ParseURL(raw)
	if err != nil {
		return fileURL{}, err
	}
	bad := problem.Input("%s is not an Azure DevOps file URL; expected https://%s/<organization>/<project>/_git/<repo>?path=<path>", raw, r.cfg.Host)
	if !strings.EqualFold(u.Host, r.cfg.Host) {
		return fileURL{}, bad
	}
	segs := forge.Segments(u)
	f := fileURL{u: u}
	switch {
	case len(segs) == 3 && segs[1] == "_git":
		f.Owner, f.Project, f.Repo = segs[0], segs[2], segs[2]
	case len(segs) == 4 && segs[2] == "_git":
		f.Owner, f.Project, f.Repo = segs[0], segs[1], segs[3]
	case len(segs) == 5 && segs[3] == "_git":
		f.Owner, f.Project, f.Repo = segs[0]+"/"+segs[1], segs[2], segs[4]
	default:
		return fileURL{}, bad
	}
	if f.Owner == "" || f.Project == "" || f.Repo == "" || strings.HasPrefix(f.Owner, "/") {
		return fileURL{}, bad
	}
	q := u.Query()
	f.Path = q.Get("path")
	if f.Path != "" && !strings.HasPrefix(f.Path, "/") {
		f.Path = "/" + f.Path
	}
	if v := q.Get("version"); v != "" {
		if len(v) < 3 {
			return fileURL{}, bad
		}
		switch v[:2] {
		case "GB":
			f.VersionType = "branch"
		case "GT":
			f.VersionType = "tag"
		case "GC":
			f.VersionType = "commit"
		default:
			return fileURL{}, problem.Input("%s: version %q must start with GB (branch), GT (tag) or GC (commit)", raw, v)
		}
		f.Version = v[2:]
	}
	return f, nil
}

// withPath returns the URL with its "path" parameter replaced, for the
// files a search finds.
func (f fileURL) withPath(p string) string {
	u := *f.u
	q := u.Query()
	q.Set("path", p)
	u.RawQuery = q.Encode()
	return u.String()
}

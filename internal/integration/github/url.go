package github

import (
	"strings"

	"github.com/callboard/callboard/internal/integration/forge"
	"github.com/callboard/callboard/internal/problem"
)

// fileURL is a GitHub browser or raw URL split into its parts.
type fileURL struct {
	Owner, Repo string
	// Rest are the segments after the kind: the ref, then the path. Where
	// the ref ends is not known for refs with slashes.
	Rest []string
}

func (f fileURL) repoKey() string { return strings.ToLower(f.Owner + "/" + f.Repo) }

// parseURL recognises
//
//	https://<host>/<owner>/<repo>/{blob,tree,raw,edit}/<ref>/<path>
//	https://raw.githubusercontent.com/<owner>/<repo>/<ref>/<path>
//	<rawBaseUrl>/<owner>/<repo>/<ref>/<path>   (GitHub Enterprise: https://<host>/raw/...)
func (r *Reader) parseURL(raw string) (fileURL, error) {
	u, err := forge.ParseURL(raw)
	if err != nil {
		return fileURL{}, err
	}
	segs := forge.Segments(u)
	host := strings.ToLower(u.Host)
	if host == r.cfg.Host && len(segs) >= 4 && isKind(segs[2]) && segs[0] != "" && segs[1] != "" {
		return fileURL{Owner: segs[0], Repo: segs[1], Rest: segs[3:]}, nil
	}
	if r.rawBase != nil && host == strings.ToLower(r.rawBase.Host) {
		prefix := forge.Segments(r.rawBase)
		if len(prefix) == 1 && prefix[0] == "" {
			prefix = nil
		}
		if len(segs) >= len(prefix)+3 && equalFold(segs[:len(prefix)], prefix) {
			rest := segs[len(prefix):]
			if rest[0] != "" && rest[1] != "" {
				return fileURL{Owner: rest[0], Repo: rest[1], Rest: rest[2:]}, nil
			}
		}
	}
	return fileURL{}, problem.Input("%s is not a GitHub file URL; expected https://%s/<owner>/<repo>/blob/<branch>/<path>", raw, r.cfg.Host)
}

func isKind(s string) bool { return s == "blob" || s == "tree" || s == "raw" || s == "edit" }

func equalFold(a, b []string) bool {
	for i := range a {
		if !strings.EqualFold(a[i], b[i]) {
			return false
		}
	}
	return true
}

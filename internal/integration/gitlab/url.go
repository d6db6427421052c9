package gitlab

import (
	"strings"

	"github.com/callboard/callboard/internal/integration/forge"
	"github.com/callboard/callboard/internal/problem"
)

// fileURL is a GitLab file or folder URL split into its parts.
type fileURL struct {
	// Project is the full project path, "group/subgroup/project".
	Project string
	// Rest are the segments after the kind: the ref, then the path.
	Rest []string
}

// parseURL recognises, below the configured base URL,
//
//	/<group>/.../<project>/-/{blob,tree,raw,edit}/<ref>/<path>
//	/<group>/.../<project>/{blob,tree,raw}/<ref>/<path>   (older form)
func (r *Reader) parseURL(raw string) (fileURL, error) {
	u, err := forge.ParseURL(raw)
	if err != nil {
		return fileURL{}, err
	}
	bad := problem.Input("%s is not a GitLab file URL; expected %s/<group>/<project>/-/blob/<branch>/<path>", raw, r.cfg.BaseURL)
	segs, ok := forge.Below(u, r.base)
	if !ok {
		return fileURL{}, bad
	}
	for i := 2; i+2 < len(segs); i++ {
		if segs[i] == "-" && isKind(segs[i+1]) {
			return project(segs[:i], segs[i+2:], bad)
		}
	}
	for i := 2; i+1 < len(segs); i++ {
		if isKind(segs[i]) && segs[i] != "edit" {
			return project(segs[:i], segs[i+1:], bad)
		}
	}
	return fileURL{}, bad
}

func project(path, rest []string, bad error) (fileURL, error) {
	for _, s := range path {
		if s == "" {
			return fileURL{}, bad
		}
	}
	return fileURL{Project: strings.Join(path, "/"), Rest: rest}, nil
}

func isKind(s string) bool { return s == "blob" || s == "tree" || s == "raw" || s == "edit" }

package app

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/callboard/callboard/internal/catalog/builtin"
	"github.com/callboard/callboard/internal/techdocs"
)

// treeReader reads a folder of a forge (a url: docs source) as the
// builder wants it, through the integrations' glob search: every file
// under the folder, with paths relative to it, and the commit as etag.
type treeReader struct{ s builtin.URLSearcher }

var _ techdocs.TreeReader = treeReader{}

func (t treeReader) ReadTree(ctx context.Context, rawURL, etag string) ([]techdocs.TreeFile, string, bool, error) {
	pattern, err := treePattern(rawURL)
	if err != nil {
		return nil, "", false, err
	}
	files, newEtag, notModified, err := t.s.Search(ctx, pattern, etag)
	if errors.Is(err, builtin.ErrSearchNotSupported) {
		return nil, "", false, fmt.Errorf("reading the folder %s needs a forge integration for its host (integrations in app-config)", rawURL)
	}
	if err != nil || notModified {
		return nil, newEtag, notModified, err
	}
	out := make([]techdocs.TreeFile, 0, len(files))
	for _, f := range files {
		rel, ok := treeRel(rawURL, f.URL)
		if !ok {
			return nil, "", false, fmt.Errorf("cannot place %s inside %s", f.URL, rawURL)
		}
		out = append(out, techdocs.TreeFile{Path: rel, Body: f.Body})
	}
	return out, newEtag, false, nil
}

// treePattern is the search for everything under a folder URL: its path
// (or, for Azure DevOps, its path parameter) followed by /**.
func treePattern(rawURL string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil || !u.IsAbs() {
		return "", fmt.Errorf("invalid docs source URL %q", rawURL)
	}
	if p := u.Query().Get("path"); p != "" && !strings.Contains(u.Path, "/blob/") && !strings.Contains(u.Path, "/tree/") {
		q := u.Query()
		q.Set("path", strings.TrimSuffix(p, "/")+"/**")
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	raw := strings.TrimSuffix(u.EscapedPath(), "/") + "/**"
	u.Path = strings.TrimSuffix(u.Path, "/") + "/**"
	u.RawPath = raw
	return u.String(), nil
}

// viewMarkers are the path parts of forge URLs after which the branch
// and the file's path follow (GitHub, GitLab, Gitea, Bitbucket).
var viewMarkers = []string{"/-/tree/", "/-/blob/", "/tree/", "/blob/", "/src/branch/", "/src/commit/", "/src/", "/browse/"}

// afterMarker returns what follows the first view marker of p.
func afterMarker(p string) (string, bool) {
	best, rest := -1, ""
	for _, m := range viewMarkers {
		if i := strings.Index(p, m); i >= 0 && (best < 0 || i < best) {
			best, rest = i, p[i+len(m):]
		}
	}
	return rest, best >= 0
}

// treeRel is the path of a found file relative to the folder searched:
// the two URLs share what follows their view marker (branch and folder),
// or their path parameter.
func treeRel(treeURL, fileURL string) (string, bool) {
	t, err1 := url.Parse(treeURL)
	f, err2 := url.Parse(fileURL)
	if err1 != nil || err2 != nil {
		return "", false
	}
	var tp, fp string
	if a, ok := afterMarker(t.Path); ok {
		b, ok := afterMarker(f.Path)
		if !ok {
			return "", false
		}
		tp, fp = a, b
	} else {
		tp, fp = strings.TrimPrefix(t.Query().Get("path"), "/"), strings.TrimPrefix(f.Query().Get("path"), "/")
	}
	tp = strings.TrimSuffix(tp, "/")
	if tp == "" {
		return fp, fp != ""
	}
	rel, ok := strings.CutPrefix(fp, tp+"/")
	if !ok || rel == "" {
		return "", false
	}
	return rel, true
}

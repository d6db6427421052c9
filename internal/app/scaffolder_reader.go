package app

import (
	"context"
	"errors"
	"net/url"
	"path"
	"strings"

	"github.com/callboard/callboard/internal/catalog/builtin"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/scaffolder/actions"
)

// urlSource is what integrationReader needs of the app's URL reader
// (internal/integration's Reader): reading one file, and searching a
// repository with a glob pattern.
type urlSource interface {
	Read(ctx context.Context, url, etag string) (body []byte, newEtag string, notModified bool, err error)
	Search(ctx context.Context, url, etag string) (files []builtin.SearchFile, newEtag string, notModified bool, err error)
}

// integrationReader is the Reader the app gives the fetch actions: it
// reads through the configured integrations, so hosts outside the
// allow-list are refused with the integration reader's error, which names
// the host. A directory is read as a search for every file under it, so
// only hosts with a forge integration can serve skeleton directories.
type integrationReader struct {
	src urlSource
}

var _ actions.Reader = (*integrationReader)(nil)

// newIntegrationReader returns a Reader over src.
func newIntegrationReader(src urlSource) *integrationReader {
	return &integrationReader{src: src}
}

// Read reads one file.
func (r *integrationReader) Read(ctx context.Context, rawURL string) ([]byte, error) {
	body, _, _, err := r.src.Read(ctx, rawURL, "")
	return body, err
}

// ReadTree reads every file under the directory at dirURL (a forge's
// tree or blob URL of a directory), with paths relative to it.
func (r *integrationReader) ReadTree(ctx context.Context, dirURL string) ([]actions.File, error) {
	dir, err := url.Parse(strings.TrimSuffix(dirURL, "/"))
	if err != nil || !dir.IsAbs() {
		return nil, problem.Input("Invalid URL %q", dirURL)
	}
	found, _, _, err := r.src.Search(ctx, searchURL(dir), "")
	if errors.Is(err, builtin.ErrSearchNotSupported) {
		// Reading the URL itself gives the reader's refusal of a host that
		// is not allowed; an allowed plain host still cannot list a
		// directory.
		if _, _, _, rerr := r.src.Read(ctx, dirURL, ""); rerr != nil {
			return nil, rerr
		}
		return nil, problem.Input("Cannot read the directory %s: reading a directory needs an integration configured for host %s", dirURL, dir.Host)
	}
	if err != nil {
		return nil, err
	}
	files := make([]actions.File, 0, len(found))
	for _, f := range found {
		rel, ok := relativeURL(dir, f.URL)
		if !ok {
			return nil, problem.Input("Cannot place %s under the directory %s", f.URL, dirURL)
		}
		files = append(files, actions.File{Path: rel, Data: f.Body})
	}
	return files, nil
}

// searchURL is the glob URL naming every file under dir: "/**" added to
// the path, or to the "path" query parameter for Azure DevOps.
func searchURL(dir *url.URL) string {
	u := *dir
	q := u.Query()
	if q.Has("path") {
		q.Set("path", path.Join("/", q.Get("path"), "**"))
		u.RawQuery = q.Encode()
		return u.String()
	}
	// Set both forms, so that String keeps the directory's escaping (%2F
	// in a branch name) and writes the glob unescaped.
	u.RawPath = strings.TrimSuffix(dir.EscapedPath(), "/") + "/**"
	u.Path = strings.TrimSuffix(dir.Path, "/") + "/**"
	return u.String()
}

// relativeURL returns the path of a found file's URL below dir. Forges
// write found files' URLs like the directory's, with the same number of
// path segments up to the directory and "blob" where the directory had
// "tree"; Azure DevOps keeps the path in the query.
func relativeURL(dir *url.URL, fileURL string) (string, bool) {
	u, err := url.Parse(fileURL)
	if err != nil {
		return "", false
	}
	if dq := dir.Query(); dq.Has("path") {
		base := strings.TrimSuffix(path.Join("/", dq.Get("path")), "/") + "/"
		p := path.Join("/", u.Query().Get("path"))
		rel, ok := strings.CutPrefix(p, base)
		return rel, ok && rel != ""
	}
	ds := strings.Split(strings.Trim(dir.Path, "/"), "/")
	fs := strings.Split(strings.Trim(u.Path, "/"), "/")
	n := len(ds)
	if len(fs) <= n || fs[n-1] != ds[n-1] {
		return "", false
	}
	return strings.Join(fs[n:], "/"), true
}

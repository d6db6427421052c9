package github

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/callboard/callboard/internal/catalog/builtin"
	"github.com/callboard/callboard/internal/integration/forge"
	"github.com/callboard/callboard/internal/problem"
)

// Search reads every file a GitHub URL with a glob pattern names, e.g.
// https://github.com/org/repo/blob/main/services/*/catalog-info.yaml: the
// ref is resolved to a commit, the commit's tree is listed with the git
// trees API, and each matching file is read at that commit. The etag is
// the commit SHA, so an unchanged branch costs one request.
func (r *Reader) Search(ctx context.Context, rawURL, etag string) ([]builtin.SearchFile, string, bool, error) {
	if r.api == "" {
		return nil, "", false, problem.Input("Unable to search %s: searching needs the GitHub API (apiBaseUrl)", rawURL)
	}
	f, err := r.parseURL(rawURL)
	if err != nil {
		return nil, "", false, err
	}
	cred, err := r.credential(ctx, f, rawURL)
	if err != nil {
		return nil, "", false, err
	}
	split, sha, err := forge.FindCommit(&r.memo, f.repoKey(), f.Rest, func(ref string) (string, error) {
		return r.commitSHA(ctx, cred, f, ref, rawURL)
	})
	if err != nil {
		return nil, "", false, err
	}
	if sha != "" && sha == etag {
		return nil, etag, true, nil
	}
	glob, err := forge.ParseGlob(split.Path)
	if err != nil {
		return nil, "", false, err
	}
	paths, err := r.listFiles(ctx, cred, f, sha, glob, rawURL)
	if err != nil {
		return nil, "", false, err
	}
	base := r.browserBase(rawURL) + "/" + url.PathEscape(f.Owner) + "/" + url.PathEscape(f.Repo) + "/blob/" + forge.EscapePath(split.Ref) + "/"
	files, err := r.client.ReadFiles(ctx, paths, func(_ context.Context, p string) (forge.Request, error) {
		return r.request(cred, r.fileAPIURL(f, sha, p), "application/vnd.github.raw", base+forge.EscapePath(p)), nil
	})
	if err != nil {
		return nil, "", false, err
	}
	return files, sha, false, nil
}

// browserBase is the scheme and web host for the URLs of found files.
func (r *Reader) browserBase(rawURL string) string {
	if u, err := url.Parse(rawURL); err == nil && strings.EqualFold(u.Host, r.cfg.Host) {
		return u.Scheme + "://" + u.Host
	}
	return "https://" + r.cfg.Host
}

// commitSHA resolves a ref with the commits API's SHA media type. GitHub
// answers 422 for a ref that does not exist, which is a not-found here.
func (r *Reader) commitSHA(ctx context.Context, cred credential, f fileURL, ref, describe string) (string, error) {
	apiURL := r.repoAPI(f) + "/commits/" + url.PathEscape(ref)
	resp, err := r.client.Do(ctx, r.request(cred, apiURL, "application/vnd.github.sha", describe))
	if err != nil {
		return "", err
	}
	if resp.StatusCode == http.StatusUnprocessableEntity {
		return "", problem.NotFound("%s could not be read as %s, %s", describe, apiURL, resp.Status)
	}
	if resp.StatusCode != http.StatusOK {
		return "", forge.StatusError(describe, apiURL, resp)
	}
	return strings.TrimSpace(string(resp.Body)), nil
}

type treeAnswer struct {
	Tree []struct {
		Path string `json:"path"`
		Type string `json:"type"`
		SHA  string `json:"sha"`
	} `json:"tree"`
	Truncated bool `json:"truncated"`
}

// listFiles returns the paths of the commit's files that match. The
// recursive tree is asked for first; when GitHub truncates it, the
// directories that may hold matches are listed one by one instead.
func (r *Reader) listFiles(ctx context.Context, cred credential, f fileURL, sha string, glob forge.Glob, describe string) ([]string, error) {
	tree, err := r.tree(ctx, cred, f, sha, true, describe)
	if err != nil {
		return nil, err
	}
	var out []string
	if !tree.Truncated {
		for _, e := range tree.Tree {
			if e.Type == "blob" && glob.Match(e.Path) {
				out = append(out, e.Path)
			}
		}
		return out, nil
	}
	var walk func(treeSHA, dir string) error
	walk = func(treeSHA, dir string) error {
		t, err := r.tree(ctx, cred, f, treeSHA, false, describe)
		if err != nil {
			return err
		}
		for _, e := range t.Tree {
			p := e.Path
			if dir != "" {
				p = dir + "/" + e.Path
			}
			switch {
			case e.Type == "blob" && glob.Match(p):
				out = append(out, p)
			case e.Type == "tree" && glob.CouldContain(p):
				if err := walk(e.SHA, p); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return out, walk(sha, "")
}

func (r *Reader) tree(ctx context.Context, cred credential, f fileURL, sha string, recursive bool, describe string) (*treeAnswer, error) {
	apiURL := r.repoAPI(f) + "/git/trees/" + url.PathEscape(sha)
	if recursive {
		apiURL += "?recursive=1"
	}
	var t treeAnswer
	if err := r.client.ReadJSON(ctx, r.request(cred, apiURL, "application/vnd.github+json", describe), &t); err != nil {
		return nil, err
	}
	return &t, nil
}

package bitbucket

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/callboard/callboard/internal/catalog/builtin"
	"github.com/callboard/callboard/internal/integration/forge"
	"github.com/callboard/callboard/internal/integration/ratelimit"
	"github.com/callboard/callboard/internal/problem"
)

// CloudReader reads files of Bitbucket Cloud. It is safe for concurrent use.
type CloudReader struct {
	cfg    CloudConfig
	client *forge.Client
	cred   forge.Credential
	memo   forge.RefMemo
}

var (
	_ builtin.URLReader   = (*CloudReader)(nil)
	_ builtin.URLSearcher = (*CloudReader)(nil)
)

// NewCloud returns the reader of an integrations.bitbucketCloud entry.
func NewCloud(cfg CloudConfig, client *forge.Client) (*CloudReader, error) {
	cfg, err := cfg.WithDefaults()
	if err != nil {
		return nil, err
	}
	auth, secret := cfg.authorization()
	def, name := cloudAnonymousLimit, CloudHost+" anonymous access"
	if secret != "" {
		def, name = cloudLimit, CloudHost+" credentials"
	}
	budget := client.Budgets().Get(ratelimit.Key(secret, "bitbucketCloud", CloudHost), name, cfg.RateLimit.Limit(def))
	return &CloudReader{cfg: cfg, client: client, cred: credential(auth, budget, cfg.RateLimit.Wait())}, nil
}

// Hosts returns bitbucket.org.
func (r *CloudReader) Hosts() []string { return []string{CloudHost} }

// cloudURL is a Bitbucket Cloud file URL split into its parts.
type cloudURL struct {
	Workspace, Repo string
	Rest            []string // the ref, then the path
}

func (f cloudURL) repoKey() string { return strings.ToLower(f.Workspace + "/" + f.Repo) }

// parseURL recognises https://bitbucket.org/<workspace>/<repo>/{src,raw}/<ref>/<path>.
func (r *CloudReader) parseURL(raw string) (cloudURL, error) {
	u, err := forge.ParseURL(raw)
	if err != nil {
		return cloudURL{}, err
	}
	segs := forge.Segments(u)
	if !strings.EqualFold(u.Host, CloudHost) || len(segs) < 4 || segs[0] == "" || segs[1] == "" || (segs[2] != "src" && segs[2] != "raw") {
		return cloudURL{}, problem.Input("%s is not a Bitbucket Cloud file URL; expected https://bitbucket.org/<workspace>/<repo>/src/<branch>/<path>", raw)
	}
	return cloudURL{Workspace: segs[0], Repo: segs[1], Rest: segs[3:]}, nil
}

func (r *CloudReader) repoAPI(f cloudURL) string {
	return r.cfg.APIBaseURL + "/repositories/" + url.PathEscape(f.Workspace) + "/" + url.PathEscape(f.Repo)
}

// srcAPIURL is the src API URL of a file's content at a revision.
func (r *CloudReader) srcAPIURL(f cloudURL, rev, path string) string {
	return r.repoAPI(f) + "/src/" + url.PathEscape(rev) + "/" + forge.EscapePath(path)
}

// revision returns what the src API takes for a ref: the ref itself, or,
// for a branch with a slash (which the API path cannot tell from the file
// path), the commit the branch points at.
func (r *CloudReader) revision(ctx context.Context, f cloudURL, ref, describe string) (string, error) {
	if !strings.Contains(ref, "/") {
		return ref, nil
	}
	var b struct {
		Target struct {
			Hash string `json:"hash"`
		} `json:"target"`
	}
	if err := r.client.ReadJSON(ctx, r.cred.Request(r.repoAPI(f)+"/refs/branches/"+url.PathEscape(ref), describe), &b); err != nil {
		return "", err
	}
	return b.Target.Hash, nil
}

// Read reads the file at a Bitbucket Cloud URL, sending If-None-Match for
// etag.
func (r *CloudReader) Read(ctx context.Context, rawURL, etag string) ([]byte, string, bool, error) {
	f, err := r.parseURL(rawURL)
	if err != nil {
		return nil, "", false, err
	}
	file, err := forge.TrySplits(&r.memo, f.repoKey(), forge.Splits(f.Rest, false), func(s forge.Split) (forge.File, error) {
		rev, err := r.revision(ctx, f, s.Ref, rawURL)
		if err != nil {
			return forge.File{}, err
		}
		return r.client.ReadFile(ctx, r.cred.Request(r.srcAPIURL(f, rev, s.Path), rawURL), etag)
	})
	return file.Body, file.ETag, file.NotModified, err
}

// Search reads every file a Bitbucket Cloud URL with a glob pattern names:
// the ref is resolved to a commit, the directories that may hold matches
// are listed, and each matching file is read at that commit. The etag is
// the commit hash.
func (r *CloudReader) Search(ctx context.Context, rawURL, etag string) ([]builtin.SearchFile, string, bool, error) {
	f, err := r.parseURL(rawURL)
	if err != nil {
		return nil, "", false, err
	}
	split, hash, err := forge.FindCommit(&r.memo, f.repoKey(), f.Rest, func(ref string) (string, error) {
		if strings.Contains(ref, "/") {
			return r.revision(ctx, f, ref, rawURL)
		}
		var c struct {
			Hash string `json:"hash"`
		}
		err := r.client.ReadJSON(ctx, r.cred.Request(r.repoAPI(f)+"/commit/"+url.PathEscape(ref), rawURL), &c)
		return c.Hash, err
	})
	if err != nil {
		return nil, "", false, err
	}
	if hash != "" && hash == etag {
		return nil, etag, true, nil
	}
	glob, err := forge.ParseGlob(split.Path)
	if err != nil {
		return nil, "", false, err
	}
	var paths []string
	if err := r.walk(ctx, f, hash, glob.Dir, glob, rawURL, &paths); err != nil {
		return nil, "", false, err
	}
	base := "https://" + CloudHost + "/" + url.PathEscape(f.Workspace) + "/" + url.PathEscape(f.Repo) + "/src/" + forge.EscapePath(split.Ref) + "/"
	files, err := r.client.ReadFiles(ctx, paths, func(_ context.Context, p string) (forge.Request, error) {
		return r.cred.Request(r.srcAPIURL(f, hash, p), base+forge.EscapePath(p)), nil
	})
	if err != nil {
		return nil, "", false, err
	}
	return files, hash, false, nil
}

// walk lists a directory page by page (following "next") and the
// subdirectories that may hold matches.
func (r *CloudReader) walk(ctx context.Context, f cloudURL, hash, dir string, glob forge.Glob, describe string, out *[]string) error {
	apiURL := r.repoAPI(f) + "/src/" + url.PathEscape(hash) + "/"
	if dir != "" {
		apiURL += forge.EscapePath(dir) + "/"
	}
	apiURL += "?pagelen=100"
	var subdirs []string
	for apiURL != "" {
		resp, err := r.client.Do(ctx, r.cred.Request(apiURL, describe))
		if err != nil {
			return err
		}
		if resp.StatusCode == http.StatusNotFound && dir == glob.Dir && dir != "" {
			return nil // the fixed directory does not exist: nothing matches
		}
		var page struct {
			Values []struct {
				Path string `json:"path"`
				Type string `json:"type"`
			} `json:"values"`
			Next string `json:"next"`
		}
		if err := forge.DecodeJSON(describe, apiURL, resp, &page); err != nil {
			return err
		}
		for _, v := range page.Values {
			switch {
			case v.Type == "commit_file" && glob.Match(v.Path):
				*out = append(*out, v.Path)
			case v.Type == "commit_directory" && glob.CouldContain(v.Path):
				subdirs = append(subdirs, v.Path)
			}
		}
		apiURL = ""
		if page.Next != "" {
			next, err := r.sameOrigin(page.Next)
			if err != nil {
				return err
			}
			apiURL = next
		}
	}
	for _, d := range subdirs {
		if err := r.walk(ctx, f, hash, d, glob, describe, out); err != nil {
			return err
		}
	}
	return nil
}

// sameOrigin refuses a "next" link to another host, so that credentials
// go nowhere else.
func (r *CloudReader) sameOrigin(next string) (string, error) {
	n, err := url.Parse(next)
	base, _ := url.Parse(r.cfg.APIBaseURL)
	if err != nil || n.Scheme != base.Scheme || !strings.EqualFold(n.Host, base.Host) {
		return "", problem.Input("Bitbucket answered with a next page on another host: %s", next)
	}
	return next, nil
}

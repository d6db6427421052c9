package gitea

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/callboard/callboard/internal/catalog/builtin"
	"github.com/callboard/callboard/internal/integration/forge"
	"github.com/callboard/callboard/internal/integration/ratelimit"
	"github.com/callboard/callboard/internal/problem"
)

// Reader reads files of one Gitea host. It is safe for concurrent use.
type Reader struct {
	cfg    Config
	client *forge.Client
	base   *url.URL
	cred   forge.Credential
	memo   forge.RefMemo
}

var (
	_ builtin.URLReader   = (*Reader)(nil)
	_ builtin.URLSearcher = (*Reader)(nil)
)

// New returns the reader of one integrations.gitea entry.
func New(cfg Config, client *forge.Client) (*Reader, error) {
	cfg, err := cfg.WithDefaults()
	if err != nil {
		return nil, err
	}
	base, _ := url.Parse(cfg.BaseURL) // checked by WithDefaults
	h := http.Header{"Accept": {"application/json"}}
	name := cfg.Host + " anonymous access"
	if auth := cfg.authorization(); auth != "" {
		h.Set("Authorization", auth)
		name = cfg.Host + " user " + cfg.Username
	}
	cred := forge.Credential{
		Header:  h,
		Budget:  client.Budgets().Get(ratelimit.Key(cfg.Username+":"+cfg.Password, "gitea", cfg.Host), name, cfg.RateLimit.Limit(ratelimit.Limit{})),
		MaxWait: cfg.RateLimit.Wait(),
	}
	return &Reader{cfg: cfg, client: client, base: base, cred: cred}, nil
}

// Hosts returns the host whose URLs the reader reads.
func (r *Reader) Hosts() []string { return []string{r.base.Host} }

// fileURL is a Gitea file URL split into its parts.
type fileURL struct {
	Owner, Repo string
	// RefKind is "branch", "tag" or "commit".
	RefKind string
	// Rest are the segments after the ref kind: the ref, then the path.
	Rest []string
}

func (f fileURL) repoKey() string { return strings.ToLower(f.Owner + "/" + f.Repo) }

// parseURL recognises, below the base URL,
//
//	/<owner>/<repo>/{src,raw}/{branch,tag,commit}/<ref>/<path>
func (r *Reader) parseURL(raw string) (fileURL, error) {
	u, err := forge.ParseURL(raw)
	if err != nil {
		return fileURL{}, err
	}
	bad := problem.Input("%s is not a Gitea file URL; expected %s/<owner>/<repo>/src/branch/<branch>/<path>", raw, r.cfg.BaseURL)
	segs, ok := forge.Below(u, r.base)
	if !ok || len(segs) < 5 {
		return fileURL{}, bad
	}
	if segs[0] == "" || segs[1] == "" || (segs[2] != "src" && segs[2] != "raw") ||
		(segs[3] != "branch" && segs[3] != "tag" && segs[3] != "commit") {
		return fileURL{}, bad
	}
	return fileURL{Owner: segs[0], Repo: segs[1], RefKind: segs[3], Rest: segs[4:]}, nil
}

func (r *Reader) repoAPI(f fileURL) string {
	return r.cfg.BaseURL + "/api/v1/repos/" + url.PathEscape(f.Owner) + "/" + url.PathEscape(f.Repo)
}

func (r *Reader) rawAPIURL(f fileURL, ref, path string) string {
	return r.repoAPI(f) + "/raw/" + forge.EscapePath(path) + "?ref=" + url.QueryEscape(ref)
}

// Read reads the file at a Gitea URL, sending If-None-Match for etag.
func (r *Reader) Read(ctx context.Context, rawURL, etag string) ([]byte, string, bool, error) {
	f, err := r.parseURL(rawURL)
	if err != nil {
		return nil, "", false, err
	}
	file, err := forge.TrySplits(&r.memo, f.repoKey(), forge.Splits(f.Rest, false), func(s forge.Split) (forge.File, error) {
		return r.client.ReadFile(ctx, r.cred.Request(r.rawAPIURL(f, s.Ref, s.Path), rawURL), etag)
	})
	return file.Body, file.ETag, file.NotModified, err
}

// Search reads every file a Gitea URL with a glob pattern names: the ref
// is resolved to a commit, its tree is listed recursively page by page,
// and each matching file is read at that commit. The etag is the commit
// SHA.
func (r *Reader) Search(ctx context.Context, rawURL, etag string) ([]builtin.SearchFile, string, bool, error) {
	f, err := r.parseURL(rawURL)
	if err != nil {
		return nil, "", false, err
	}
	split, sha, err := forge.FindCommit(&r.memo, f.repoKey(), f.Rest, func(ref string) (string, error) {
		if f.RefKind == "commit" {
			return ref, nil
		}
		q := url.Values{"sha": {ref}, "limit": {"1"}, "stat": {"false"}, "verification": {"false"}, "files": {"false"}}
		apiURL := r.repoAPI(f) + "/commits?" + q.Encode()
		var commits []struct {
			SHA string `json:"sha"`
		}
		if err := r.client.ReadJSON(ctx, r.cred.Request(apiURL, rawURL), &commits); err != nil {
			return "", err
		}
		if len(commits) == 0 {
			return "", problem.NotFound("%s could not be read as %s, no commits", rawURL, apiURL)
		}
		return commits[0].SHA, nil
	})
	if err != nil {
		return nil, "", false, err
	}
	if sha == etag {
		return nil, etag, true, nil
	}
	glob, err := forge.ParseGlob(split.Path)
	if err != nil {
		return nil, "", false, err
	}
	paths, err := r.listFiles(ctx, f, sha, glob, rawURL)
	if err != nil {
		return nil, "", false, err
	}
	base := r.cfg.BaseURL + "/" + url.PathEscape(f.Owner) + "/" + url.PathEscape(f.Repo) + "/src/" + f.RefKind + "/" + forge.EscapePath(split.Ref) + "/"
	files, err := r.client.ReadFiles(ctx, paths, func(_ context.Context, p string) (forge.Request, error) {
		return r.cred.Request(r.rawAPIURL(f, sha, p), base+forge.EscapePath(p)), nil
	})
	if err != nil {
		return nil, "", false, err
	}
	return files, sha, false, nil
}

// maxTreePages bounds a tree listing.
const maxTreePages = 100

// listFiles lists the commit's tree recursively; Gitea pages a large tree
// and says "truncated" while pages remain.
func (r *Reader) listFiles(ctx context.Context, f fileURL, sha string, glob forge.Glob, describe string) ([]string, error) {
	var out []string
	for page := 1; ; page++ {
		if page > maxTreePages {
			return nil, problem.Input("Unable to search %s: the tree has more than %d pages", describe, maxTreePages)
		}
		q := url.Values{"recursive": {"true"}, "per_page": {"1000"}, "page": {strconv.Itoa(page)}}
		apiURL := r.repoAPI(f) + "/git/trees/" + url.PathEscape(sha) + "?" + q.Encode()
		var t struct {
			Tree []struct {
				Path string `json:"path"`
				Type string `json:"type"`
			} `json:"tree"`
			Truncated bool `json:"truncated"`
		}
		if err := r.client.ReadJSON(ctx, r.cred.Request(apiURL, describe), &t); err != nil {
			return nil, err
		}
		for _, e := range t.Tree {
			if e.Type == "blob" && glob.Match(e.Path) {
				out = append(out, e.Path)
			}
		}
		if !t.Truncated || len(t.Tree) == 0 {
			return out, nil
		}
	}
}

package gitea

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/callboard/callboard/internal/catalog/builtin"
	"github.com/callboard/callboard/internal/integration/forge"
	"github.com/callboard/callboard/internal/integration/ratelimit"
	"github.com/callboard/callboard/internal/problem"
)

// Reader reads files of one Gitea host. It is safe for concurrent use.
type Reader struct {
	cfg     Config
	client  *forge.Client
	base    *url.URL
	auth    string
	budget  *ratelimit.Budget
	maxWait time.Duration
	memo    forge.RefMemo
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
	auth := cfg.authorization()
	name := cfg.Host + " anonymous access"
	if auth != "" {
		name = cfg.Host + " user " + cfg.Username
	}
	return &Reader{
		cfg: cfg, client: client, base: base, auth: auth, maxWait: cfg.RateLimit.Wait(),
		budget: client.Budgets().Get(ratelimit.Key(cfg.Username+":"+cfg.Password, "gitea", cfg.Host), name, cfg.RateLimit.Limit(ratelimit.Limit{})),
	}, nil
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
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fileURL{}, problem.Input("Invalid URL %q", raw)
	}
	bad := problem.Input("%s is not a Gitea file URL; expected %s/<owner>/<repo>/src/branch/<branch>/<path>", raw, r.cfg.BaseURL)
	if !strings.EqualFold(u.Host, r.base.Host) {
		return fileURL{}, bad
	}
	segs := forge.Segments(u)
	prefix := forge.Segments(r.base)
	if len(prefix) == 1 && prefix[0] == "" {
		prefix = nil
	}
	if len(segs) < len(prefix)+5 || strings.Join(segs[:len(prefix)], "/") != strings.Join(prefix, "/") {
		return fileURL{}, bad
	}
	segs = segs[len(prefix):]
	if segs[0] == "" || segs[1] == "" || (segs[2] != "src" && segs[2] != "raw") ||
		(segs[3] != "branch" && segs[3] != "tag" && segs[3] != "commit") {
		return fileURL{}, bad
	}
	return fileURL{Owner: segs[0], Repo: segs[1], RefKind: segs[3], Rest: segs[4:]}, nil
}

func (r *Reader) request(apiURL, describe string) forge.Request {
	h := http.Header{"Accept": {"application/json"}}
	if r.auth != "" {
		h.Set("Authorization", r.auth)
	}
	return forge.Request{URL: apiURL, Header: h, Budget: r.budget, MaxWait: r.maxWait, Describe: describe}
}

func (r *Reader) repoAPI(f fileURL) string {
	return r.cfg.BaseURL + "/api/v1/repos/" + url.PathEscape(f.Owner) + "/" + url.PathEscape(f.Repo)
}

func (r *Reader) rawAPIURL(f fileURL, ref, path string) string {
	return r.repoAPI(f) + "/raw/" + forge.EscapePath(path) + "?ref=" + url.QueryEscape(ref)
}

type readResult struct {
	body        []byte
	etag        string
	notModified bool
}

// Read reads the file at a Gitea URL, sending If-None-Match for etag.
func (r *Reader) Read(ctx context.Context, rawURL, etag string) ([]byte, string, bool, error) {
	f, err := r.parseURL(rawURL)
	if err != nil {
		return nil, "", false, err
	}
	res, err := forge.TrySplits(&r.memo, f.repoKey(), forge.Splits(f.Rest, false), func(s forge.Split) (readResult, error) {
		apiURL := r.rawAPIURL(f, s.Ref, s.Path)
		req := r.request(apiURL, rawURL)
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		resp, err := r.client.Do(ctx, req)
		if err != nil {
			return readResult{}, err
		}
		body, newEtag, notModified, err := forge.FileResult(rawURL, apiURL, etag, resp)
		return readResult{body, newEtag, notModified}, err
	})
	return res.body, res.etag, res.notModified, err
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
	type found struct {
		split forge.Split
		sha   string
	}
	res, err := forge.TrySplits(&r.memo, f.repoKey(), forge.Splits(f.Rest, false), func(s forge.Split) (found, error) {
		if f.RefKind == "commit" {
			return found{s, s.Ref}, nil
		}
		q := url.Values{"sha": {s.Ref}, "limit": {"1"}, "stat": {"false"}, "verification": {"false"}, "files": {"false"}}
		apiURL := r.repoAPI(f) + "/commits?" + q.Encode()
		resp, err := r.client.Do(ctx, r.request(apiURL, rawURL))
		if err != nil {
			return found{}, err
		}
		var commits []struct {
			SHA string `json:"sha"`
		}
		if err := forge.DecodeJSON(rawURL, apiURL, resp, &commits); err != nil {
			return found{}, err
		}
		if len(commits) == 0 {
			return found{}, problem.NotFound("%s could not be read as %s, no commits", rawURL, apiURL)
		}
		return found{s, commits[0].SHA}, nil
	})
	if err != nil {
		return nil, "", false, err
	}
	if res.sha == etag {
		return nil, etag, true, nil
	}
	glob, err := forge.ParseGlob(res.split.Path)
	if err != nil {
		return nil, "", false, err
	}
	paths, err := r.listFiles(ctx, f, res.sha, glob, rawURL)
	if err != nil {
		return nil, "", false, err
	}
	base := r.cfg.BaseURL + "/" + url.PathEscape(f.Owner) + "/" + url.PathEscape(f.Repo) + "/src/" + f.RefKind + "/" + forge.EscapePath(res.split.Ref) + "/"
	files, err := forge.ReadMatches(ctx, paths, func(ctx context.Context, p string) (builtin.SearchFile, error) {
		fileURL := base + forge.EscapePath(p)
		apiURL := r.rawAPIURL(f, res.sha, p)
		resp, err := r.client.Do(ctx, r.request(apiURL, fileURL))
		if err != nil {
			return builtin.SearchFile{}, err
		}
		body, _, _, err := forge.FileResult(fileURL, apiURL, "", resp)
		return builtin.SearchFile{URL: fileURL, Body: body}, err
	})
	if err != nil {
		return nil, "", false, err
	}
	return files, res.sha, false, nil
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
		resp, err := r.client.Do(ctx, r.request(apiURL, describe))
		if err != nil {
			return nil, err
		}
		var t struct {
			Tree []struct {
				Path string `json:"path"`
				Type string `json:"type"`
			} `json:"tree"`
			Truncated bool `json:"truncated"`
		}
		if err := forge.DecodeJSON(describe, apiURL, resp, &t); err != nil {
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

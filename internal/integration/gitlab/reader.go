package gitlab

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/callboard/callboard/internal/catalog/builtin"
	"github.com/callboard/callboard/internal/integration/forge"
	"github.com/callboard/callboard/internal/integration/ratelimit"
	"github.com/callboard/callboard/internal/problem"
)

// Reader reads files of one GitLab instance. It is safe for concurrent use.
type Reader struct {
	cfg     Config
	client  *forge.Client
	base    *url.URL
	budget  *ratelimit.Budget
	maxWait time.Duration
	memo    forge.RefMemo
}

var (
	_ builtin.URLReader   = (*Reader)(nil)
	_ builtin.URLSearcher = (*Reader)(nil)
)

// New returns the reader of one integrations.gitlab entry.
func New(cfg Config, client *forge.Client) (*Reader, error) {
	cfg, err := cfg.WithDefaults()
	if err != nil {
		return nil, err
	}
	base, _ := url.Parse(cfg.BaseURL) // checked by WithDefaults
	r := &Reader{cfg: cfg, client: client, base: base, maxWait: cfg.RateLimit.Wait()}
	def := ratelimit.Limit{}
	if cfg.Host == DefaultHost {
		def = anonymousLimit
		if cfg.Token != "" {
			def = tokenLimit
		}
	}
	name := cfg.Host + " anonymous access"
	if cfg.Token != "" {
		name = cfg.Host + " token"
	}
	r.budget = client.Budgets().Get(ratelimit.Key(cfg.Token, "gitlab", cfg.Host), name, cfg.RateLimit.Limit(def))
	return r, nil
}

// Hosts returns the host whose URLs the reader reads.
func (r *Reader) Hosts() []string { return []string{r.base.Host} }

func (r *Reader) request(apiURL, describe string) forge.Request {
	h := http.Header{}
	if r.cfg.Token != "" {
		h.Set("Private-Token", r.cfg.Token)
	}
	return forge.Request{URL: apiURL, Header: h, Budget: r.budget, MaxWait: r.maxWait, Describe: describe}
}

func (r *Reader) projectAPI(f fileURL) string {
	return r.cfg.APIBaseURL + "/projects/" + url.PathEscape(f.Project) + "/repository"
}

func (r *Reader) fileAPIURL(f fileURL, ref, path string) string {
	return r.projectAPI(f) + "/files/" + url.PathEscape(path) + "/raw?ref=" + url.QueryEscape(ref)
}

type readResult struct {
	body        []byte
	etag        string
	notModified bool
}

// Read reads the file at a GitLab URL, sending If-None-Match for etag.
func (r *Reader) Read(ctx context.Context, rawURL, etag string) ([]byte, string, bool, error) {
	f, err := r.parseURL(rawURL)
	if err != nil {
		return nil, "", false, err
	}
	res, err := forge.TrySplits(&r.memo, f.Project, forge.Splits(f.Rest, false), func(s forge.Split) (readResult, error) {
		apiURL := r.fileAPIURL(f, s.Ref, s.Path)
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

// Search reads every file a GitLab URL with a glob pattern names: the ref
// is resolved to a commit, the tree below the pattern's fixed directories
// is listed page by page, and each matching file is read at that commit.
// The etag is the commit SHA.
func (r *Reader) Search(ctx context.Context, rawURL, etag string) ([]builtin.SearchFile, string, bool, error) {
	f, err := r.parseURL(rawURL)
	if err != nil {
		return nil, "", false, err
	}
	type found struct {
		split forge.Split
		sha   string
	}
	res, err := forge.TrySplits(&r.memo, f.Project, forge.Splits(f.Rest, false), func(s forge.Split) (found, error) {
		apiURL := r.projectAPI(f) + "/commits/" + url.PathEscape(s.Ref)
		resp, err := r.client.Do(ctx, r.request(apiURL, rawURL))
		if err != nil {
			return found{}, err
		}
		var c struct {
			ID string `json:"id"`
		}
		err = forge.DecodeJSON(rawURL, apiURL, resp, &c)
		return found{s, c.ID}, err
	})
	if err != nil {
		return nil, "", false, err
	}
	if res.sha != "" && res.sha == etag {
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
	base := r.cfg.BaseURL + "/" + forge.EscapePath(f.Project) + "/-/blob/" + forge.EscapePath(res.split.Ref) + "/"
	files, err := forge.ReadMatches(ctx, paths, func(ctx context.Context, p string) (builtin.SearchFile, error) {
		fileURL := base + forge.EscapePath(p)
		apiURL := r.fileAPIURL(f, res.sha, p)
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

// maxTreePages bounds a tree listing (100 entries a page).
const maxTreePages = 1000

// listFiles lists the tree below the glob's fixed directories recursively,
// following X-Next-Page.
func (r *Reader) listFiles(ctx context.Context, f fileURL, sha string, glob forge.Glob, describe string) ([]string, error) {
	var out []string
	for page := "1"; page != ""; {
		q := url.Values{"ref": {sha}, "recursive": {"true"}, "per_page": {"100"}, "page": {page}}
		if glob.Dir != "" {
			q.Set("path", glob.Dir)
		}
		apiURL := r.projectAPI(f) + "/tree?" + q.Encode()
		resp, err := r.client.Do(ctx, r.request(apiURL, describe))
		if err != nil {
			return nil, err
		}
		if resp.StatusCode == http.StatusNotFound && glob.Dir != "" {
			return nil, nil // the fixed directory does not exist: nothing matches
		}
		var entries []struct {
			Path string `json:"path"`
			Type string `json:"type"`
		}
		if err := forge.DecodeJSON(describe, apiURL, resp, &entries); err != nil {
			return nil, err
		}
		for _, e := range entries {
			if e.Type == "blob" && glob.Match(e.Path) {
				out = append(out, e.Path)
			}
		}
		page = resp.Header.Get("X-Next-Page")
		if n, err := strconv.Atoi(page); page != "" && (err != nil || n > maxTreePages) {
			return nil, problem.Input("Unable to search %s: the tree has more than %d pages", describe, maxTreePages)
		}
	}
	return out, nil
}

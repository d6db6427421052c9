package gitlab

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/callboard/callboard/internal/catalog/builtin"
	"github.com/callboard/callboard/internal/integration/forge"
	"github.com/callboard/callboard/internal/integration/ratelimit"
	"github.com/callboard/callboard/internal/problem"
)

// Reader reads files of one GitLab instance. It is safe for concurrent use.
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

// New returns the reader of one integrations.gitlab entry.
func New(cfg Config, client *forge.Client) (*Reader, error) {
	cfg, err := cfg.WithDefaults()
	if err != nil {
		return nil, err
	}
	base, _ := url.Parse(cfg.BaseURL) // checked by WithDefaults
	def := ratelimit.Limit{}
	if cfg.Host == DefaultHost {
		def = anonymousLimit
		if cfg.Token != "" {
			def = tokenLimit
		}
	}
	h := http.Header{}
	name := cfg.Host + " anonymous access"
	if cfg.Token != "" {
		h.Set("Private-Token", cfg.Token)
		name = cfg.Host + " token"
	}
	cred := forge.Credential{
		Header:  h,
		Budget:  client.Budgets().Get(ratelimit.Key(cfg.Token, "gitlab", cfg.Host), name, cfg.RateLimit.Limit(def)),
		MaxWait: cfg.RateLimit.Wait(),
	}
	return &Reader{cfg: cfg, client: client, base: base, cred: cred}, nil
}

// Hosts returns the host whose URLs the reader reads.
func (r *Reader) Hosts() []string { return []string{r.base.Host} }

func (r *Reader) projectAPI(f fileURL) string {
	return r.cfg.APIBaseURL + "/projects/" + url.PathEscape(f.Project) + "/repository"
}

func (r *Reader) fileAPIURL(f fileURL, ref, path string) string {
	return r.projectAPI(f) + "/files/" + url.PathEscape(path) + "/raw?ref=" + url.QueryEscape(ref)
}

// Read reads the file at a GitLab URL, sending If-None-Match for etag.
func (r *Reader) Read(ctx context.Context, rawURL, etag string) ([]byte, string, bool, error) {
	f, err := r.parseURL(rawURL)
	if err != nil {
		return nil, "", false, err
	}
	file, err := forge.TrySplits(&r.memo, f.Project, forge.Splits(f.Rest, false), func(s forge.Split) (forge.File, error) {
		return r.client.ReadFile(ctx, r.cred.Request(r.fileAPIURL(f, s.Ref, s.Path), rawURL), etag)
	})
	return file.Body, file.ETag, file.NotModified, err
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
	split, sha, err := forge.FindCommit(&r.memo, f.Project, f.Rest, func(ref string) (string, error) {
		var c struct {
			ID string `json:"id"`
		}
		err := r.client.ReadJSON(ctx, r.cred.Request(r.projectAPI(f)+"/commits/"+url.PathEscape(ref), rawURL), &c)
		return c.ID, err
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
	paths, err := r.listFiles(ctx, f, sha, glob, rawURL)
	if err != nil {
		return nil, "", false, err
	}
	base := r.cfg.BaseURL + "/" + forge.EscapePath(f.Project) + "/-/blob/" + forge.EscapePath(split.Ref) + "/"
	files, err := r.client.ReadFiles(ctx, paths, func(_ context.Context, p string) (forge.Request, error) {
		return r.cred.Request(r.fileAPIURL(f, sha, p), base+forge.EscapePath(p)), nil
	})
	if err != nil {
		return nil, "", false, err
	}
	return files, sha, false, nil
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
		resp, err := r.client.Do(ctx, r.cred.Request(apiURL, describe))
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

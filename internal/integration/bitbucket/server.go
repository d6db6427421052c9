package bitbucket

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

// ServerReader reads files of one Bitbucket Server (Data Center) host. It
// is safe for concurrent use.
type ServerReader struct {
	cfg    ServerConfig
	client *forge.Client
	cred   forge.Credential
}

var (
	_ builtin.URLReader   = (*ServerReader)(nil)
	_ builtin.URLSearcher = (*ServerReader)(nil)
)

// NewServer returns the reader of an integrations.bitbucketServer entry.
func NewServer(cfg ServerConfig, client *forge.Client) (*ServerReader, error) {
	cfg, err := cfg.WithDefaults()
	if err != nil {
		return nil, err
	}
	auth, secret := cfg.authorization()
	name := cfg.Host + " anonymous access"
	if secret != "" {
		name = cfg.Host + " credentials"
	}
	budget := client.Budgets().Get(ratelimit.Key(secret, "bitbucketServer", cfg.Host), name, cfg.RateLimit.Limit(ratelimit.Limit{}))
	return &ServerReader{cfg: cfg, client: client, cred: credential(auth, budget, cfg.RateLimit.Wait())}, nil
}

// Hosts returns the host whose URLs the reader reads.
func (r *ServerReader) Hosts() []string { return []string{r.cfg.Host} }

// serverURL is a Bitbucket Server file URL split into its parts.
type serverURL struct {
	// Web is the URL up to the repository: https://host[/context]/projects/P/repos/r.
	Web string
	// Project is the project key; a personal repository's is "~user".
	Project, Repo string
	Path          string
	// At is the "at" query parameter (a ref or commit), "" for the
	// default branch.
	At string
}

// parseURL recognises
//
//	https://<host>[/<context>]/projects/<KEY>/repos/<repo>/{browse,raw}/<path>[?at=<ref>]
//	https://<host>[/<context>]/users/<user>/repos/<repo>/{browse,raw}/<path>[?at=<ref>]
func (r *ServerReader) parseURL(raw string) (serverURL, error) {
	u, err := forge.ParseURL(raw)
	if err != nil {
		return serverURL{}, err
	}
	segs := forge.Segments(u)
	escaped := strings.Split(strings.TrimPrefix(u.EscapedPath(), "/"), "/")
	if strings.EqualFold(u.Host, r.cfg.Host) {
		for i := 0; i+4 < len(segs); i++ {
			if (segs[i] == "projects" || segs[i] == "users") && segs[i+2] == "repos" && (segs[i+4] == "browse" || segs[i+4] == "raw") && segs[i+1] != "" && segs[i+3] != "" {
				project := segs[i+1]
				if segs[i] == "users" {
					project = "~" + project
				}
				return serverURL{
					Web:     u.Scheme + "://" + u.Host + "/" + strings.Join(escaped[:i+4], "/"),
					Project: project,
					Repo:    segs[i+3],
					Path:    strings.Join(segs[i+5:], "/"),
					At:      u.Query().Get("at"),
				}, nil
			}
		}
	}
	return serverURL{}, problem.Input("%s is not a Bitbucket Server file URL; expected https://%s/projects/<project>/repos/<repo>/browse/<path>?at=<branch>", raw, r.cfg.Host)
}

func (r *ServerReader) repoAPI(f serverURL) string {
	return r.cfg.APIBaseURL + "/projects/" + url.PathEscape(f.Project) + "/repos/" + url.PathEscape(f.Repo)
}

func (r *ServerReader) rawAPIURL(f serverURL, path, at string) string {
	u := r.repoAPI(f) + "/raw/" + forge.EscapePath(path)
	if at != "" {
		u += "?at=" + url.QueryEscape(at)
	}
	return u
}

// Read reads the file at a Bitbucket Server URL, sending If-None-Match for
// etag.
func (r *ServerReader) Read(ctx context.Context, rawURL, etag string) ([]byte, string, bool, error) {
	f, err := r.parseURL(rawURL)
	if err != nil {
		return nil, "", false, err
	}
	file, err := r.client.ReadFile(ctx, r.cred.Request(r.rawAPIURL(f, f.Path, f.At), rawURL), etag)
	return file.Body, file.ETag, file.NotModified, err
}

// Search reads every file a Bitbucket Server URL with a glob pattern
// names: the ref is resolved to its latest commit, the files below the
// pattern's fixed directories are listed with the files API, and each
// matching file is read at that commit. The etag is the commit id.
func (r *ServerReader) Search(ctx context.Context, rawURL, etag string) ([]builtin.SearchFile, string, bool, error) {
	f, err := r.parseURL(rawURL)
	if err != nil {
		return nil, "", false, err
	}
	q := url.Values{"limit": {"1"}}
	if f.At != "" {
		q.Set("until", f.At)
	}
	apiURL := r.repoAPI(f) + "/commits?" + q.Encode()
	var commits struct {
		Values []struct {
			ID string `json:"id"`
		} `json:"values"`
	}
	if err := r.client.ReadJSON(ctx, r.cred.Request(apiURL, rawURL), &commits); err != nil {
		return nil, "", false, err
	}
	if len(commits.Values) == 0 {
		return nil, "", false, problem.NotFound("%s could not be read as %s, no commits", rawURL, apiURL)
	}
	sha := commits.Values[0].ID
	if sha == etag {
		return nil, etag, true, nil
	}
	glob, err := forge.ParseGlob(f.Path)
	if err != nil {
		return nil, "", false, err
	}
	paths, err := r.listFiles(ctx, f, sha, glob, rawURL)
	if err != nil {
		return nil, "", false, err
	}
	files, err := r.client.ReadFiles(ctx, paths, func(_ context.Context, p string) (forge.Request, error) {
		fileURL := f.Web + "/browse/" + forge.EscapePath(p)
		if f.At != "" {
			fileURL += "?at=" + url.QueryEscape(f.At)
		}
		return r.cred.Request(r.rawAPIURL(f, p, sha), fileURL), nil
	})
	if err != nil {
		return nil, "", false, err
	}
	return files, sha, false, nil
}

// listFiles pages through the files API, which lists every file below a
// directory, relative to it.
func (r *ServerReader) listFiles(ctx context.Context, f serverURL, sha string, glob forge.Glob, describe string) ([]string, error) {
	var out []string
	for start := 0; ; {
		q := url.Values{"at": {sha}, "limit": {"1000"}, "start": {strconv.Itoa(start)}}
		apiURL := r.repoAPI(f) + "/files"
		if glob.Dir != "" {
			apiURL += "/" + forge.EscapePath(glob.Dir)
		}
		apiURL += "?" + q.Encode()
		resp, err := r.client.Do(ctx, r.cred.Request(apiURL, describe))
		if err != nil {
			return nil, err
		}
		if resp.StatusCode == http.StatusNotFound && glob.Dir != "" {
			return nil, nil // the fixed directory does not exist: nothing matches
		}
		var page struct {
			Values        []string `json:"values"`
			IsLastPage    bool     `json:"isLastPage"`
			NextPageStart int      `json:"nextPageStart"`
		}
		if err := forge.DecodeJSON(describe, apiURL, resp, &page); err != nil {
			return nil, err
		}
		for _, v := range page.Values {
			p := v
			if glob.Dir != "" {
				p = glob.Dir + "/" + v
			}
			if glob.Match(p) {
				out = append(out, p)
			}
		}
		if page.IsLastPage || page.NextPageStart <= start {
			return out, nil
		}
		start = page.NextPageStart
	}
}

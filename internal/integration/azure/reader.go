package azure

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/callboard/callboard/internal/catalog/builtin"
	"github.com/callboard/callboard/internal/integration/forge"
	"github.com/callboard/callboard/internal/integration/ratelimit"
	"github.com/callboard/callboard/internal/problem"
)

// Reader reads files of one Azure DevOps host. It is safe for concurrent
// use.
type Reader struct {
	cfg     Config
	client  *forge.Client
	creds   []*credential
	anon    *ratelimit.Budget
	maxWait time.Duration
}

var (
	_ builtin.URLReader   = (*Reader)(nil)
	_ builtin.URLSearcher = (*Reader)(nil)
)

// apiVersion is the Azure DevOps REST API version used.
const apiVersion = "7.1"

// New returns the reader of one integrations.azure entry.
func New(cfg Config, client *forge.Client) (*Reader, error) {
	cfg, err := cfg.WithDefaults()
	if err != nil {
		return nil, err
	}
	r := &Reader{cfg: cfg, client: client, maxWait: cfg.RateLimit.Wait()}
	limit := cfg.RateLimit.Limit(ratelimit.Limit{})
	for _, c := range cfg.Credentials {
		cr := &credential{cfg: c}
		if c.PersonalAccessToken != "" {
			cr.budget = client.Budgets().Get(ratelimit.Key(c.PersonalAccessToken, "azure", cfg.Host, "pat"), cfg.Host+" personal access token", limit)
		} else {
			cr.budget = client.Budgets().Get(ratelimit.Key(c.TenantID+"/"+c.ClientID, "azure", cfg.Host, "principal"), cfg.Host+" service principal "+c.ClientID, limit)
			cr.tokenBudget = client.Budgets().Get(ratelimit.Key(c.TenantID+"/"+c.ClientID, "entra"), "Entra ID tenant "+c.TenantID, ratelimit.Limit{})
		}
		r.creds = append(r.creds, cr)
	}
	r.anon = client.Budgets().Get(ratelimit.Key("", "azure", cfg.Host), cfg.Host+" anonymous access", limit)
	return r, nil
}

// Hosts returns the host whose URLs the reader reads.
func (r *Reader) Hosts() []string { return []string{r.cfg.Host} }

// pick returns the credential for an organization, nil for anonymous
// access.
func (r *Reader) pick(org string) *credential {
	for _, c := range r.creds {
		if slices.Contains(c.cfg.Organizations, org) {
			return c
		}
	}
	for _, c := range r.creds {
		if len(c.cfg.Organizations) == 0 {
			return c
		}
	}
	return nil
}

// request builds an authenticated request for the organization.
func (r *Reader) request(ctx context.Context, f fileURL, apiURL, describe string) (forge.Request, error) {
	req := forge.Request{URL: apiURL, Header: http.Header{}, Budget: r.anon, MaxWait: r.maxWait, Describe: describe}
	c := r.pick(f.organization())
	if c == nil {
		return req, nil
	}
	auth, err := c.authorization(ctx, r, describe)
	if err != nil {
		return req, err
	}
	req.Header.Set("Authorization", auth)
	req.Budget = c.budget
	return req, nil
}

func (r *Reader) repoAPI(f fileURL) string {
	return f.u.Scheme + "://" + f.u.Host + "/" + forge.EscapePath(f.Owner) + "/" + url.PathEscape(f.Project) +
		"/_apis/git/repositories/" + url.PathEscape(f.Repo)
}

// itemURL is the items API URL of one file's content at a version.
func (r *Reader) itemURL(f fileURL, path, version, versionType string) string {
	q := url.Values{"path": {path}, "api-version": {apiVersion}, "$format": {"octetStream"}}
	if version != "" {
		q.Set("versionDescriptor.version", version)
		q.Set("versionDescriptor.versionType", versionType)
	}
	return r.repoAPI(f) + "/items?" + q.Encode()
}

// Read reads the file at an Azure DevOps URL, sending If-None-Match for
// etag.
func (r *Reader) Read(ctx context.Context, rawURL, etag string) ([]byte, string, bool, error) {
	f, err := r.parseURL(rawURL)
	if err != nil {
		return nil, "", false, err
	}
	if f.Path == "" || f.Path == "/" {
		return nil, "", false, problem.Input("%s names no file: it has no path parameter", rawURL)
	}
	req, err := r.request(ctx, f, r.itemURL(f, f.Path, f.Version, f.VersionType), rawURL)
	if err != nil {
		return nil, "", false, err
	}
	file, err := r.client.ReadFile(ctx, req, etag)
	return file.Body, file.ETag, file.NotModified, err
}

// Search reads every file an Azure DevOps URL whose path parameter is a
// glob pattern names: the version is resolved to a commit, the items below
// the pattern's fixed directories are listed recursively, and each
// matching file is read at that commit. The etag is the commit id.
func (r *Reader) Search(ctx context.Context, rawURL, etag string) ([]builtin.SearchFile, string, bool, error) {
	f, err := r.parseURL(rawURL)
	if err != nil {
		return nil, "", false, err
	}
	sha, err := r.commit(ctx, f, rawURL)
	if err != nil {
		return nil, "", false, err
	}
	if sha == etag {
		return nil, etag, true, nil
	}
	glob, err := forge.ParseGlob(f.Path)
	if err != nil {
		return nil, "", false, err
	}
	q := url.Values{
		"scopePath":                     {"/" + glob.Dir},
		"recursionLevel":                {"Full"},
		"versionDescriptor.version":     {sha},
		"versionDescriptor.versionType": {"commit"},
		"api-version":                   {apiVersion},
	}
	apiURL := r.repoAPI(f) + "/items?" + q.Encode()
	req, err := r.request(ctx, f, apiURL, rawURL)
	if err != nil {
		return nil, "", false, err
	}
	resp, err := r.client.Do(ctx, req)
	if err != nil {
		return nil, "", false, err
	}
	var items struct {
		Value []struct {
			Path     string `json:"path"`
			IsFolder bool   `json:"isFolder"`
		} `json:"value"`
	}
	var paths []string
	if resp.StatusCode != http.StatusNotFound || glob.Dir == "" { // a missing fixed directory matches nothing
		if err := forge.DecodeJSON(rawURL, apiURL, resp, &items); err != nil {
			return nil, "", false, err
		}
	}
	for _, it := range items.Value {
		if !it.IsFolder && glob.Match(it.Path) {
			paths = append(paths, it.Path[1:])
		}
	}
	files, err := r.client.ReadFiles(ctx, paths, func(ctx context.Context, p string) (forge.Request, error) {
		return r.request(ctx, f, r.itemURL(f, "/"+p, sha, "commit"), f.withPath("/"+p))
	})
	if err != nil {
		return nil, "", false, err
	}
	return files, sha, false, nil
}

// commit resolves the URL's version (the default branch when none) to
// its latest commit id.
func (r *Reader) commit(ctx context.Context, f fileURL, describe string) (string, error) {
	q := url.Values{"searchCriteria.$top": {"1"}, "api-version": {apiVersion}}
	if f.Version != "" {
		q.Set("searchCriteria.itemVersion.version", f.Version)
		q.Set("searchCriteria.itemVersion.versionType", f.VersionType)
	}
	apiURL := r.repoAPI(f) + "/commits?" + q.Encode()
	req, err := r.request(ctx, f, apiURL, describe)
	if err != nil {
		return "", err
	}
	var commits struct {
		Value []struct {
			CommitID string `json:"commitId"`
		} `json:"value"`
	}
	if err := r.client.ReadJSON(ctx, req, &commits); err != nil {
		return "", err
	}
	if len(commits.Value) == 0 || commits.Value[0].CommitID == "" {
		return "", problem.NotFound("%s could not be read as %s, no commits", describe, apiURL)
	}
	return commits.Value[0].CommitID, nil
}

func patAuthorization(pat string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(":"+pat))
}

package github

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/callboard/callboard/internal/catalog/builtin"
	"github.com/callboard/callboard/internal/integration/forge"
	"github.com/callboard/callboard/internal/integration/ratelimit"
)

// Reader reads files of one GitHub host. It is safe for concurrent use.
type Reader struct {
	cfg     Config
	client  *forge.Client
	api     string   // "" when only raw reads are configured
	rawBase *url.URL // nil when not configured
	maxWait time.Duration
	limit   func(def ratelimit.Limit) ratelimit.Limit
	token   *ratelimit.Budget
	anon    *ratelimit.Budget
	apps    []*app
	memo    forge.RefMemo
}

var (
	_ builtin.URLReader   = (*Reader)(nil)
	_ builtin.URLSearcher = (*Reader)(nil)
)

// New returns the reader of one integrations.github entry; its requests go
// through client and take from the budget of the credential they use.
func New(cfg Config, client *forge.Client) (*Reader, error) {
	cfg, err := cfg.WithDefaults()
	if err != nil {
		return nil, err
	}
	r := &Reader{cfg: cfg, client: client, api: cfg.APIBaseURL, maxWait: cfg.RateLimit.Wait(), limit: cfg.RateLimit.Limit}
	if cfg.RawBaseURL != "" {
		r.rawBase, _ = url.Parse(cfg.RawBaseURL) // checked by WithDefaults
	}
	budgets := client.Budgets()
	if cfg.Token != "" {
		r.token = budgets.Get(ratelimit.Key(cfg.Token, "github", cfg.Host, "token"), cfg.Host+" token", r.limit(tokenLimit))
	}
	r.anon = budgets.Get(ratelimit.Key("", "github", cfg.Host), cfg.Host+" anonymous access", r.limit(anonymousLimit))
	for i, a := range cfg.Apps {
		id := a.AppID
		if id == "" {
			id = a.ClientID
		}
		b := budgets.Get(ratelimit.Key(id, "github", cfg.Host, "app"), cfg.Host+" app "+id, r.limit(tokenLimit))
		ap, err := newApp(a, b)
		if err != nil {
			return nil, errorAt(i, err)
		}
		if r.api == "" {
			return nil, errorAt(i, errNoAPIForApps)
		}
		r.apps = append(r.apps, ap)
	}
	return r, nil
}

// Hosts returns the hosts whose URLs the reader reads: the web host and
// the raw host.
func (r *Reader) Hosts() []string {
	hosts := []string{r.cfg.Host}
	if r.rawBase != nil && r.rawBase.Host != r.cfg.Host {
		hosts = append(hosts, r.rawBase.Host)
	}
	return hosts
}

// credential is how a request authenticates and whose budget it takes.
type credential struct {
	authorization string // "" for anonymous requests
	budget        *ratelimit.Budget
}

// credential picks an app installed for the owner, else the token, else
// anonymous access.
func (r *Reader) credential(ctx context.Context, f fileURL, describe string) (credential, error) {
	for _, a := range r.apps {
		tok, id, ok, err := a.token(ctx, r, f, describe)
		if err != nil {
			return credential{}, err
		}
		if ok {
			inst := strconv.FormatInt(id, 10)
			b := r.client.Budgets().Get(ratelimit.Key(a.iss+"/"+inst, "github", r.cfg.Host, "installation"),
				r.cfg.Host+" app "+a.iss+" installation "+inst, r.limit(tokenLimit))
			return credential{authorization: "Bearer " + tok, budget: b}, nil
		}
	}
	if r.token != nil {
		return credential{authorization: "Bearer " + r.cfg.Token, budget: r.token}, nil
	}
	return credential{budget: r.anon}, nil
}

// apiHeader is the header of every GitHub REST request.
func apiHeader(accept string) http.Header {
	return http.Header{
		"Accept":               {accept},
		"X-Github-Api-Version": {"2022-11-28"},
	}
}

func (r *Reader) request(c credential, apiURL, accept, describe string) forge.Request {
	h := apiHeader(accept)
	if c.authorization != "" {
		h.Set("Authorization", c.authorization)
	}
	return forge.Request{URL: apiURL, Header: h, Budget: c.budget, MaxWait: r.maxWait, Describe: describe,
		FreeNotModified: c.authorization != ""}
}

func (r *Reader) repoAPI(f fileURL) string {
	return r.api + "/repos/" + url.PathEscape(f.Owner) + "/" + url.PathEscape(f.Repo)
}

// fileURL returns where a file is fetched: the contents API (raw media
// type), or the raw host when there is no API.
func (r *Reader) fileAPIURL(f fileURL, ref, path string) string {
	if r.api != "" {
		return r.repoAPI(f) + "/contents/" + forge.EscapePath(path) + "?ref=" + url.QueryEscape(ref)
	}
	return r.rawBase.String() + "/" + url.PathEscape(f.Owner) + "/" + url.PathEscape(f.Repo) + "/" + forge.EscapePath(ref) + "/" + forge.EscapePath(path)
}

// Read reads the file at a GitHub URL, sending If-None-Match for etag.
func (r *Reader) Read(ctx context.Context, rawURL, etag string) ([]byte, string, bool, error) {
	f, err := r.parseURL(rawURL)
	if err != nil {
		return nil, "", false, err
	}
	cred, err := r.credential(ctx, f, rawURL)
	if err != nil {
		return nil, "", false, err
	}
	file, err := forge.TrySplits(&r.memo, f.repoKey(), forge.Splits(f.Rest, false), func(s forge.Split) (forge.File, error) {
		return r.client.ReadFile(ctx, r.request(cred, r.fileAPIURL(f, s.Ref, s.Path), "application/vnd.github.raw", rawURL), etag)
	})
	return file.Body, file.ETag, file.NotModified, err
}

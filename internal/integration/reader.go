package integration

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/callboard/callboard/internal/catalog/builtin"
	"github.com/callboard/callboard/internal/integration/azure"
	"github.com/callboard/callboard/internal/integration/bitbucket"
	"github.com/callboard/callboard/internal/integration/forge"
	"github.com/callboard/callboard/internal/integration/gitea"
	"github.com/callboard/callboard/internal/integration/github"
	"github.com/callboard/callboard/internal/integration/gitlab"
	"github.com/callboard/callboard/internal/integration/ratelimit"
	"github.com/callboard/callboard/internal/problem"
)

// Options are what New needs besides the integrations.
type Options struct {
	// ReadingAllow is backend.reading.allow, for hosts without a forge.
	ReadingAllow []builtin.AllowRule
	// HTTPClient makes every request; one with a 60 s timeout when nil.
	HTTPClient *http.Client
	// MaxFileSize bounds each file read; builtin.DefaultMaxFileSize when 0.
	MaxFileSize int64
	// Clock is for tests; the system clock when nil.
	Clock ratelimit.Clock
}

// forgeReader is what every forge's reader does.
type forgeReader interface {
	builtin.URLReader
	builtin.URLSearcher
	Hosts() []string
}

// Reader reads URLs through the forge configured for their host, and
// other URLs with plain HTTP requests limited by backend.reading.allow. A
// configured forge host needs no reading.allow entry, as in Backstage. It
// is safe for concurrent use.
type Reader struct {
	byHost  map[string]forgeReader
	plain   builtin.URLReader
	budgets *ratelimit.Budgets
}

var (
	_ builtin.URLReader   = (*Reader)(nil)
	_ builtin.URLSearcher = (*Reader)(nil)
)

// New builds the reader of every configured forge, plus the defaults
// Backstage adds (anonymous github.com, gitlab.com, bitbucket.org and
// dev.azure.com).
func New(cfg Config, o Options) (*Reader, error) {
	maxSize := o.MaxFileSize
	if maxSize <= 0 {
		maxSize = builtin.DefaultMaxFileSize
	}
	plain, err := builtin.NewHTTPReader(o.ReadingAllow, o.HTTPClient, maxSize)
	if err != nil {
		return nil, fmt.Errorf("backend.reading.allow: %w", err)
	}
	budgets := ratelimit.NewBudgets(o.Clock)
	client := forge.NewClient(o.HTTPClient, budgets, maxSize)
	r := &Reader{byHost: map[string]forgeReader{}, plain: plain, budgets: budgets}
	cfg = cfg.withDefaults()
	var errs []error
	add := func(key string, i int, fr forgeReader, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("%s.%s[%d]: %w", Section, key, i, err))
			return
		}
		for _, h := range fr.Hosts() {
			h = lower(h)
			if _, dup := r.byHost[h]; dup {
				errs = append(errs, fmt.Errorf("%s.%s[%d]: host %s is configured more than once", Section, key, i, h))
				continue
			}
			r.byHost[h] = fr
		}
	}
	addEach(add, "github", cfg.GitHub, client, github.New)
	addEach(add, "gitlab", cfg.GitLab, client, gitlab.New)
	addEach(add, "bitbucketCloud", cfg.BitbucketCloud, client, bitbucket.NewCloud)
	addEach(add, "bitbucketServer", cfg.BitbucketServer, client, bitbucket.NewServer)
	addEach(add, "azure", cfg.Azure, client, azure.New)
	addEach(add, "gitea", cfg.Gitea, client, gitea.New)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return r, nil
}

// addEach builds a reader for each entry of the forge section named key
// and hands it, with the entry's index, to add.
func addEach[C any, F forgeReader](add func(key string, i int, fr forgeReader, err error), key string, cfgs []C, client *forge.Client, newReader func(C, *forge.Client) (F, error)) {
	for i, c := range cfgs {
		fr, err := newReader(c, client)
		add(key, i, fr, err)
	}
}

// Budgets returns the per-credential request budgets, for other readers
// of the same forges to share.
func (r *Reader) Budgets() *ratelimit.Budgets { return r.budgets }

// Hosts returns the hosts with a forge reader.
func (r *Reader) Hosts() []string {
	out := make([]string, 0, len(r.byHost))
	for h := range r.byHost {
		out = append(out, h)
	}
	return out
}

func (r *Reader) forgeFor(rawURL string) (forgeReader, error) {
	u, err := url.Parse(rawURL)
	if err != nil || !u.IsAbs() {
		return nil, problem.Input("Invalid URL %q", rawURL)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, nil
	}
	return r.byHost[lower(u.Host)], nil
}

// Read reads a file through its host's forge, or over plain HTTP.
func (r *Reader) Read(ctx context.Context, rawURL, etag string) ([]byte, string, bool, error) {
	fr, err := r.forgeFor(rawURL)
	if err != nil {
		return nil, "", false, err
	}
	if fr == nil {
		return r.plain.Read(ctx, rawURL, etag)
	}
	return fr.Read(ctx, rawURL, etag)
}

// Search reads the files a URL with a glob pattern names, through its
// host's forge; other hosts cannot be searched (builtin.ErrSearchNotSupported).
func (r *Reader) Search(ctx context.Context, rawURL, etag string) ([]builtin.SearchFile, string, bool, error) {
	fr, err := r.forgeFor(rawURL)
	if err != nil {
		return nil, "", false, err
	}
	if fr == nil {
		return nil, "", false, builtin.ErrSearchNotSupported
	}
	return fr.Search(ctx, rawURL, etag)
}

func lower(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"time"
)

// httpTimeout bounds each call to an identity provider.
const httpTimeout = 15 * time.Second

// Options are what New needs.
type Options struct {
	// Config holds the auth and backend.auth sections.
	Config ConfigDecoder
	// BaseURL is backend.baseUrl: tokens' issuer, redirect URLs and the
	// origin sign-in results may go to are derived from it.
	BaseURL string
	Store   Store
	Users   CatalogUsers
	Logger  *slog.Logger
	// HTTPClient calls identity providers and key sets; nil means a client
	// with a 15 s timeout.
	HTTPClient *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// PublicPrefixes are extra path prefixes open without sign-in, such as
	// the web UI's static assets ("/static/").
	PublicPrefixes []string
	// ReadOnlyPosts are POST paths that only read (catalog by-query,
	// by-refs, facets): a personal access token with the read scope may
	// call them.
	ReadOnlyPosts []string
}

// Service is Callboard's authentication: providers, sessions, tokens and
// the middleware that authenticates every request.
type Service struct {
	cfg      *settings
	store    Store
	users    CatalogUsers
	log      *slog.Logger
	client   *http.Client
	now      func() time.Time
	keys     *keyring
	external *externalAccess

	oauth   map[string]*oauthEntry
	guest   *guestProvider
	proxies []*proxyProvider
	titles  map[string]string

	publicPrefixes []string
	readOnlyPosts  []string
	csrfKey        []byte
	cache          *identityCache
	handler        http.Handler
}

// New reads the configuration and builds the service. Nothing is fetched
// from identity providers until someone signs in.
func New(o Options) (*Service, error) {
	if o.Config == nil || o.Store == nil || o.Users == nil {
		return nil, errors.New("auth: Config, Store and Users are required")
	}
	cfg, err := loadSettings(o.Config, o.BaseURL)
	if err != nil {
		return nil, err
	}
	s := &Service{
		cfg:            cfg,
		store:          o.Store,
		users:          o.Users,
		log:            o.Logger,
		client:         o.HTTPClient,
		now:            o.Now,
		titles:         map[string]string{},
		publicPrefixes: o.PublicPrefixes,
		readOnlyPosts:  o.ReadOnlyPosts,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.client == nil {
		s.client = defaultHTTPClient()
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.csrfKey = csrfKey(cfg)
	s.cache = newIdentityCache(s.now, identityCacheTTL, identityCacheSize)
	s.keys = newKeyring(o.Store, s.now, cfg.tokenExpiration)
	if s.external, err = newExternalAccess(cfg.external, cfg.legacyKeys, s.client); err != nil {
		return nil, err
	}
	if err := s.loadProviders(o.Config); err != nil {
		return nil, err
	}
	s.handler = s.routes()
	if cfg.disablePolicy {
		s.log.Warn("backend.auth.dangerouslyDisableDefaultAuthPolicy is set: every request is let in as the guest")
	}
	return s, nil
}

// csrfKey keys the CSRF tokens of proxy-authenticated browsers, which
// have no session row to keep one in. With auth.session.secret set every
// replica derives the same key; without it each process picks its own.
func csrfKey(cfg *settings) []byte {
	if cfg.sessionSecret != "" {
		m := hmac.New(sha256.New, []byte(cfg.sessionSecret))
		m.Write([]byte("callboard csrf"))
		return m.Sum(nil)
	}
	b, _ := base64.RawURLEncoding.DecodeString(randomString(32))
	return b
}

// Handler serves /api/auth/...; mount it at /api/auth/.
func (s *Service) Handler() http.Handler { return s.handler }

// PolicyDisabled reports whether backend.auth.dangerouslyDisableDefaultAuthPolicy
// is set.
func (s *Service) PolicyDisabled() bool { return s.cfg.disablePolicy }

// pruneEvery is how often expired rows are deleted.
const pruneEvery = time.Hour

// keepExpiredTokens is how long expired and revoked personal access
// tokens stay listed.
const keepExpiredTokens = 30 * 24 * time.Hour

// Run deletes expired sessions, flows, keys and old tokens every hour
// until ctx ends.
func (s *Service) Run(ctx context.Context) error {
	t := time.NewTicker(pruneEvery)
	defer t.Stop()
	for {
		if err := s.Prune(ctx); err != nil && ctx.Err() == nil {
			s.log.WarnContext(ctx, "prune expired sign-in data", "error", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Prune deletes what has expired once.
func (s *Service) Prune(ctx context.Context) error {
	now := s.now()
	s.keys.forget()
	s.cache.prune()
	return s.store.DeleteExpired(ctx, now, now.Add(-keepExpiredTokens))
}

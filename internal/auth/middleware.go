package auth

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/go-jose/go-jose/v4"

	"github.com/callboard/callboard/internal/problem"
)

// bearerPattern is Backstage's: a case-insensitive scheme, spaces, one
// token.
var bearerPattern = regexp.MustCompile(`(?i)^Bearer[ ]+(\S+)$`)

// publicPaths are open without credentials.
var publicPaths = []string{
	"/healthcheck",
	"/.backstage/health/v1/liveness",
	"/.backstage/health/v1/readiness",
	"/signin",
	"/favicon.ico",
}

// publicPrefixes are path prefixes open without credentials.
var publicPrefixes = []string{
	"/signin/",
	"/api/auth/.well-known/",
}

// signInEndpoints are the last parts of /api/auth/<provider>/... paths open
// without credentials: they sign people in and out.
var signInEndpoints = []string{"start", "handler/frame", "refresh", "logout"}

// IsPublic reports whether a path is open without signing in: health,
// the sign-in page, the sign-in endpoints of /api/auth, key discovery,
// and the configured public prefixes.
func (s *Service) IsPublic(path string) bool {
	// A path with dot segments or doubled slashes is never public: a
	// router that cleans it could land somewhere else ("/signin/../x").
	if !isCleanPath(path) {
		return false
	}
	if slices.Contains(publicPaths, path) {
		return true
	}
	for _, p := range append(publicPrefixes, s.publicPrefixes...) {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	rest, ok := strings.CutPrefix(path, "/api/auth/")
	if !ok {
		return false
	}
	provider, endpoint, ok := strings.Cut(rest, "/")
	return ok && provider != "" && provider != "v1" && slices.Contains(signInEndpoints, endpoint)
}

// isCleanPath reports whether path is absolute and has no empty, "." or
// ".." segments (a trailing slash is fine).
func isCleanPath(path string) bool {
	if !strings.HasPrefix(path, "/") {
		return false
	}
	segs := strings.Split(path[1:], "/")
	for i, seg := range segs {
		if seg == "." || seg == ".." || seg == "" && i != len(segs)-1 {
			return false
		}
	}
	return true
}

// Wrap authenticates every request before next sees it. The identity goes
// into the request context (IdentityFrom). Requests without valid
// credentials get a 401 Backstage error body on API paths and a redirect
// to the sign-in page elsewhere, unless the path is public or the default
// auth policy is disabled (they then act as the guest).
func (s *Service) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		public := s.IsPublic(r.URL.Path)
		id, err := s.authenticate(ctx, w, r)
		if err != nil && !(public && problem.Is(err, problem.AuthenticationError)) {
			s.refuse(w, r, err)
			return
		}
		if id == nil && s.cfg.disablePolicy {
			if id, err = s.openIdentity(ctx); err != nil {
				s.refuse(w, r, err)
				return
			}
		}
		if id == nil {
			if !public {
				s.refuse(w, r, problem.Unauthenticated("Missing credentials"))
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		if !public {
			if err := s.checkRequest(r, id); err != nil {
				s.refuse(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(WithIdentity(ctx, id)))
	})
}

// authenticate finds the request's identity: a bearer token, else a
// trusted proxy's headers, else the session cookie. No credentials is nil,
// nil; bad ones are an AuthenticationError.
func (s *Service) authenticate(ctx context.Context, w http.ResponseWriter, r *http.Request) (*Identity, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		m := bearerPattern.FindStringSubmatch(h)
		var err error
		if m == nil {
			err = problem.Unauthenticated("Invalid authorization header")
		} else {
			var id *Identity
			if id, err = s.verifyBearer(ctx, m[1]); err == nil {
				return id, nil
			}
		}
		if !problem.Is(err, problem.AuthenticationError) {
			return nil, err
		}
		// oauth2-proxy may pass its own token along; the proxy's word
		// stands when the token is not one of ours.
		if id, perr := s.proxyIdentity(ctx, r); perr == nil && id != nil {
			return id, nil
		}
		return nil, err
	}
	if id, err := s.proxyIdentity(ctx, r); err != nil || id != nil {
		return id, err
	}
	if _, err := r.Cookie(s.sessionCookieName()); err != nil {
		return nil, nil
	}
	sess, err := s.requestSession(ctx, r)
	if err != nil {
		return nil, err
	}
	if sess == nil {
		// A stale or forged cookie: forget it rather than fail.
		s.clearSessionCookie(w)
		return nil, nil
	}
	return sessionIdentity(sess, CredentialSession), nil
}

// verifyBearer checks a bearer token: a personal access token, a portal
// user token, a legacy or JWKS service token, or a static token.
func (s *Service) verifyBearer(ctx context.Context, raw string) (*Identity, error) {
	if strings.HasPrefix(raw, patPrefix) {
		return s.verifyPAT(ctx, raw)
	}
	if strings.Count(raw, ".") == 2 {
		return s.verifyJWT(ctx, raw)
	}
	if id := s.external.verifyStatic(raw); id != nil {
		return id, nil
	}
	return nil, errBadToken
}

// anyAlgorithm lets a JWT's header be read to route it to its verifier,
// which then insists on its own algorithms.
var anyAlgorithm = []jose.SignatureAlgorithm{
	jose.ES256, jose.ES384, jose.ES512, jose.RS256, jose.RS384, jose.RS512,
	jose.PS256, jose.PS384, jose.PS512, jose.HS256, jose.HS384, jose.HS512, jose.EdDSA,
}

func (s *Service) verifyJWT(ctx context.Context, raw string) (*Identity, error) {
	sig, err := jose.ParseSignedCompact(raw, anyAlgorithm)
	if err != nil || len(sig.Signatures) != 1 {
		return nil, errBadToken
	}
	h := sig.Signatures[0].Protected
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); typ == typUser {
		c, err := s.keys.verifyUserToken(ctx, s.issuer(), raw)
		if err != nil {
			return nil, err
		}
		sess, err := s.liveSession(ctx, c.SID)
		if err != nil {
			return nil, err
		}
		if sess == nil || sess.UserEntityRef != c.Subject {
			return nil, errBadToken
		}
		id := sessionIdentity(sess, CredentialJWT)
		id.CSRFToken = ""
		return id, nil
	}
	if h.Algorithm == string(jose.HS256) {
		if id := s.external.verifyLegacy(raw, s.now()); id != nil {
			return id, nil
		}
		return nil, errBadToken
	}
	if id := s.external.verifyJWKS(ctx, raw); id != nil {
		return id, nil
	}
	return nil, errBadToken
}

// proxyIdentity signs in through a configured reverse proxy. Requests
// that do not come from a trusted proxy are not believed, whatever headers
// they carry.
func (s *Service) proxyIdentity(ctx context.Context, r *http.Request) (*Identity, error) {
	for _, p := range s.proxies {
		if !p.present(r) {
			continue
		}
		if !p.fromTrustedProxy(r) {
			s.log.WarnContext(ctx, "proxy sign-in headers from an untrusted address ignored", "provider", p.id, "remote", r.RemoteAddr)
			continue
		}
		u, err := s.proxyUser(ctx, p, r)
		if err != nil {
			return nil, err
		}
		return &Identity{
			Kind:                KindUser,
			UserEntityRef:       u.UserEntityRef,
			OwnershipEntityRefs: u.OwnershipEntityRefs,
			Via:                 CredentialProxy,
			CSRFToken:           s.proxyCSRFToken(u.UserEntityRef),
		}, nil
	}
	return nil, nil
}

// proxyUser resolves what a trusted proxy said, through the cache.
func (s *Service) proxyUser(ctx context.Context, p *proxyProvider, r *http.Request) (*signedIn, error) {
	info, err := p.signInInfo(ctx, r)
	if err != nil {
		return nil, problem.Unauthenticated("Invalid proxy credentials").WithCause(err)
	}
	key := p.id + "\x00" + info.Email + "\x00" + info.Username
	if u := s.cache.get(key); u != nil {
		return u, nil
	}
	u, err := resolveUser(ctx, s.users, p.id, p.resolvers, info)
	var nomatch *NoUserMatchedError
	if errors.As(err, &nomatch) {
		return nil, problem.Unauthenticated("%s", nomatch.Error())
	}
	if err != nil {
		if pe, ok := problem.As(err); ok && pe.Name != problem.AuthenticationError {
			return nil, problem.Unauthenticated("%s", pe.Message)
		}
		return nil, err
	}
	s.cache.put(key, u)
	return u, nil
}

// openIdentity is the identity of a request without credentials when the
// default auth policy is disabled: the guest.
func (s *Service) openIdentity(ctx context.Context) (*Identity, error) {
	const key = "\x00open"
	u := s.cache.get(key)
	if u == nil {
		var err error
		if u, err = s.guestUser(ctx); err != nil {
			return nil, err
		}
		s.cache.put(key, u)
	}
	return &Identity{Kind: KindGuest, UserEntityRef: u.UserEntityRef, OwnershipEntityRefs: u.OwnershipEntityRefs, Via: CredentialNone}, nil
}

// checkRequest applies what the credential allows: CSRF for ambient
// credentials, scopes for personal access tokens, plugin restrictions for
// external access.
func (s *Service) checkRequest(r *http.Request, id *Identity) error {
	if err := s.checkCSRF(r, id); err != nil {
		return err
	}
	if id.Scopes != nil && !id.HasScope(s.scopeNeeded(r)) {
		return problem.NotAllowed("This token's scopes (%s) do not allow %s %s", strings.Join(id.Scopes, ", "), r.Method, r.URL.Path)
	}
	if len(id.AccessRestrictions) > 0 {
		plugin := pluginOf(r.URL.Path)
		if !slices.ContainsFunc(id.AccessRestrictions, func(a AccessRestriction) bool { return a.Plugin == plugin }) {
			return problem.NotAllowed("This token's access is restricted to other plugins")
		}
	}
	return nil
}

// scopeNeeded is the scope a request needs: read for safe methods and the
// read-only POST endpoints, write for everything else.
func (s *Service) scopeNeeded(r *http.Request) string {
	if isSafeMethod(r.Method) || r.Method == http.MethodPost && slices.Contains(s.readOnlyPosts, r.URL.Path) {
		return ScopeRead
	}
	return ScopeWrite
}

// pluginOf returns the plugin id of an /api/<plugin>/... path; "" for
// paths outside the API.
func pluginOf(path string) string {
	rest, ok := strings.CutPrefix(path, "/api/")
	if !ok {
		return ""
	}
	plugin, _, _ := strings.Cut(rest, "/")
	return plugin
}

// isAPIPath reports whether a path answers with JSON rather than pages.
func isAPIPath(path string) bool {
	return strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/.backstage/")
}

// refuse answers a request the middleware stops: a Backstage error body on
// API paths; on pages, a redirect to sign-in for missing credentials and a
// short page otherwise.
func (s *Service) refuse(w http.ResponseWriter, r *http.Request, err error) {
	if isAPIPath(r.URL.Path) {
		s.writeError(w, r, err)
		return
	}
	status, serialized := classify(err)
	if status == http.StatusInternalServerError {
		s.writeError(w, r, err)
		return
	}
	if status == http.StatusUnauthorized {
		http.Redirect(w, r, "/signin?"+url.Values{"return": {r.URL.RequestURI()}}.Encode(), http.StatusSeeOther)
		return
	}
	writePage(w, status, "Request refused", serialized.Message)
}

// issuer is the iss of portal tokens: the auth plugin's base URL.
func (s *Service) issuer() string { return s.cfg.baseURL + "/api/auth" }

package auth

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/oauth2"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/problem"
)

// Flow modes: a popup posts its result to the opener (Backstage's
// frontend); a redirect flow ends on a page of the portal (Callboard's
// sign-in page).
const (
	flowPopup    = "popup"
	flowRedirect = "redirect"
)

// flowLifetime is how long a started sign-in may take.
const flowLifetime = 10 * time.Minute

// maxScopeParam bounds the scope parameter of /start.
const maxScopeParam = 1024

// start begins an OAuth sign-in: it records the flow (state, PKCE
// verifier, nonce, where the result goes) and sends the browser to the
// provider.
func (s *Service) start(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := r.PathValue("provider")
	if id == providerGuest {
		return problem.Input("Guest sign-in is a POST to %s, or GET %s/guest/refresh", GuestSignInPath, Mount)
	}
	e, err := s.oauthEntry(id)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	env := q.Get("env")
	if env == "" {
		env = s.cfg.environment
	}
	oe := e.envs[env]
	if oe == nil {
		return problem.Input("No configuration available for the '%s' environment of this provider.", env)
	}
	scope := q.Get("scope")
	if len(scope) > maxScopeParam {
		return problem.Input("The scope parameter is too long")
	}
	f := &Flow{
		Provider:  id,
		Env:       env,
		Nonce:     randomString(32),
		Verifier:  oauth2.GenerateVerifier(),
		Scope:     scope,
		Mode:      flowPopup,
		ExpiresAt: s.now().Add(flowLifetime),
	}
	ret := firstNonEmpty(q.Get("redirectUrl"), q.Get("return"))
	if q.Get("flow") == flowRedirect || q.Get("flow") == "" && ret != "" {
		f.Mode = flowRedirect
		f.ReturnTo = s.SafeReturn(ret)
	} else {
		f.Origin = firstNonEmpty(q.Get("origin"), s.cfg.allowedOrigins[0])
		if !s.cfg.originAllowed(f.Origin) {
			return problem.NotAllowed("Origin '%s' is not allowed", f.Origin)
		}
	}
	// The flow is bound to this browser: the callback must come with the
	// same cookie, so nobody can finish a sign-in someone else started.
	binding := ""
	if c, err := r.Cookie(flowCookieName); err == nil && len(c.Value) >= 43 && len(c.Value) <= 64 {
		binding = c.Value
	}
	if binding == "" {
		binding = randomString(32)
	}
	f.BindingHash = hashSecret(binding)
	state := randomString(32)
	f.StateHash = hashSecret(state)
	authURL, err := oe.provider.authCodeURL(ctx, f, state)
	if err != nil {
		return problem.New(problem.ServiceUnavailableError, "The %s sign-in provider is not reachable", e.title).WithCause(err)
	}
	if err := s.store.CreateFlow(ctx, f); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name:     flowCookieName,
		Value:    binding,
		Path:     flowCookiePath,
		MaxAge:   int(flowLifetime / time.Second),
		HttpOnly: true,
		Secure:   s.cfg.secure(),
		SameSite: http.SameSiteLaxMode,
	})
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, authURL, http.StatusFound)
	return nil
}

func (s *Service) oauthEntry(id string) (*oauthEntry, error) {
	if e := s.oauth[id]; e != nil {
		return e, nil
	}
	for _, p := range s.proxies {
		if p.id == id {
			return nil, problem.New(problem.NotImplementedError, "The %s provider signs in at the proxy; it only has /refresh", id)
		}
	}
	return nil, problem.NotFound("No auth provider registered for '%s'", id)
}

// frame is where the provider sends the browser back: the state must name
// a flow this browser started, the code is redeemed with the flow's PKCE
// verifier, the ID token's nonce must match, and the resolvers must find a
// user. Then a new session starts.
func (s *Service) frame(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := r.PathValue("provider")
	e, err := s.oauthEntry(id)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return problem.Input("Malformed sign-in response")
	}
	state := r.Form.Get("state")
	if state == "" {
		writePage(w, http.StatusBadRequest, "Sign-in failed", "The sign-in response has no state. Start the sign-in again.")
		return nil
	}
	f, err := s.store.TakeFlow(ctx, hashSecret(state), s.now())
	if err != nil {
		return err
	}
	if f == nil || f.Provider != id {
		s.log.WarnContext(ctx, "sign-in callback with an unknown or expired state", "provider", id)
		writePage(w, http.StatusBadRequest, "Sign-in failed", "This sign-in has expired or was already used. Start the sign-in again.")
		return nil
	}
	c, cerr := r.Cookie(flowCookieName)
	if cerr != nil || !secretsEqual(hashSecret(c.Value), f.BindingHash) {
		s.log.WarnContext(ctx, "sign-in callback from a browser that did not start it", "provider", id)
		return s.flowFailed(w, r, f, problem.NotAllowed("The sign-in was started in another browser. Start it again here."))
	}
	if code := r.Form.Get("error"); code != "" {
		s.log.InfoContext(ctx, "identity provider refused the sign-in", "provider", id, "error", code)
		return s.flowFailed(w, r, f, problem.Unauthenticated("%s refused the sign-in (%s)", e.title, code))
	}
	code := r.Form.Get("code")
	oe := e.envs[f.Env]
	if code == "" || oe == nil {
		return s.flowFailed(w, r, f, problem.Input("The sign-in response has no code"))
	}
	info, err := oe.provider.exchange(ctx, code, f)
	if err != nil {
		s.log.WarnContext(ctx, "sign-in exchange failed", "provider", id, "error", err)
		return s.flowFailed(w, r, f, problem.Unauthenticated("Sign-in with %s failed", e.title))
	}
	u, err := resolveUser(ctx, s.users, id, oe.resolvers, info)
	if err != nil {
		s.log.InfoContext(ctx, "sign-in found no user", "provider", id, "error", err)
		return s.flowFailed(w, r, f, err)
	}
	sess, err := s.startSession(ctx, w, r, KindUser, id, info.Profile, u)
	if err != nil {
		return err
	}
	if f.Mode == flowRedirect {
		http.Redirect(w, r, f.ReturnTo, http.StatusSeeOther)
		return nil
	}
	resp, err := s.clientAuthResponse(ctx, sess, info.ProviderInfo)
	if err != nil {
		return err
	}
	return writeFrame(w, f.Origin, authorizationResponse{Type: "authorization_response", Response: resp})
}

// Sign-in page error codes a failed full-page flow redirects with.
const (
	SignInErrorFailed   = "failed"
	SignInErrorConflict = "conflict"
	// NotInCatalogPath is the page explaining that no User entity matched.
	NotInCatalogPath = "/signin/not-in-catalog"
)

// flowFailed ends a flow that went wrong: a popup posts the error to its
// opener; a full-page flow goes back to the sign-in page, or to the page
// explaining that no User entity matched.
func (s *Service) flowFailed(w http.ResponseWriter, r *http.Request, f *Flow, err error) error {
	var nomatch *NoUserMatchedError
	isNoMatch := errors.As(err, &nomatch)
	if f.Mode == flowRedirect {
		target := "/signin?" + url.Values{"error": {SignInErrorFailed}, "provider": {f.Provider}, "return": {f.ReturnTo}}.Encode()
		switch {
		case isNoMatch:
			target = NotInCatalogPath + "?" + url.Values{"provider": {f.Provider}}.Encode()
		case problem.Is(err, problem.ConflictError):
			target = "/signin?" + url.Values{"error": {SignInErrorConflict}, "provider": {f.Provider}, "return": {f.ReturnTo}}.Encode()
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
		return nil
	}
	serialized := entity.SerializedError{Name: "Error", Message: err.Error()}
	if !isNoMatch {
		_, serialized = classify(err)
	}
	return writeFrame(w, f.Origin, authorizationResponse{Type: "authorization_response", Error: &serialized})
}

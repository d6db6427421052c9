package auth

import (
	"net/http"

	"github.com/callboard/callboard/internal/problem"
)

// refresh answers a ClientAuthResponse with a fresh portal token for the
// browser's session with this provider. The guest provider signs in on
// the spot, as Backstage's does; a proxy provider signs in whoever the
// trusted proxy vouches for.
func (s *Service) refresh(w http.ResponseWriter, r *http.Request) error {
	if err := requireXHR(r); err != nil {
		return err
	}
	ctx := r.Context()
	id := r.PathValue("provider")
	sess, err := s.requestSession(ctx, r)
	if err != nil {
		return err
	}
	switch p := s.proxy(id); {
	case id == providerGuest:
		if err := s.guestUsable(); err != nil {
			return err
		}
		if sess == nil || sess.Provider != providerGuest {
			u, err := s.guestUser(ctx)
			if err != nil {
				return err
			}
			if sess, err = s.startSession(ctx, w, r, KindGuest, providerGuest, Profile{DisplayName: "Guest"}, u); err != nil {
				return err
			}
		}
	case p != nil:
		if !p.present(r) || !p.fromTrustedProxy(r) {
			return problem.Unauthenticated("No credentials from a trusted proxy")
		}
		info, err := p.signInInfo(ctx, r)
		if err != nil {
			return problem.Unauthenticated("Invalid proxy credentials").WithCause(err)
		}
		u, err := s.proxyUser(ctx, p, r)
		if err != nil {
			return err
		}
		if sess == nil || sess.Provider != id || sess.UserEntityRef != u.UserEntityRef {
			if sess, err = s.startSession(ctx, w, r, KindUser, id, info.Profile, u); err != nil {
				return err
			}
		}
	default:
		if _, err := s.oauthEntry(id); err != nil {
			return err
		}
		if sess == nil || sess.Provider != id {
			return problem.Unauthenticated("Missing session cookie")
		}
	}
	resp, err := s.clientAuthResponse(ctx, sess, nil)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

func (s *Service) proxy(id string) *proxyProvider {
	for _, p := range s.proxies {
		if p.id == id {
			return p
		}
	}
	return nil
}

// logout ends the browser's session.
func (s *Service) logout(w http.ResponseWriter, r *http.Request) error {
	if err := requireXHR(r); err != nil {
		return err
	}
	if err := s.endSession(r.Context(), w, r); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// guestStart is the sign-in page's guest button: a form POST that signs
// the browser in as the guest and goes on to redirectUrl. A browser's
// cross-site POST is refused, so another site cannot swap a visitor's
// session for the guest's.
func (s *Service) guestStart(w http.ResponseWriter, r *http.Request) error {
	if o := r.Header.Get("Origin"); o != "" && !s.cfg.originAllowed(originOf(o)) {
		return problem.NotAllowed("Cross-origin request refused")
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return problem.NotAllowed("Cross-origin request refused")
	}
	if err := s.guestUsable(); err != nil {
		return err
	}
	ctx := r.Context()
	u, err := s.guestUser(ctx)
	if err != nil {
		return err
	}
	if _, err := s.startSession(ctx, w, r, KindGuest, providerGuest, Profile{DisplayName: "Guest"}, u); err != nil {
		return err
	}
	http.Redirect(w, r, s.SafeReturn(r.PostFormValue("redirectUrl")), http.StatusSeeOther)
	return nil
}

// SignOut ends the browser's session, for the web UI's sign-out form (the
// middleware has checked its CSRF token).
func (s *Service) SignOut(w http.ResponseWriter, r *http.Request) error {
	return s.endSession(r.Context(), w, r)
}

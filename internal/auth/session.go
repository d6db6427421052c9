package auth

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// Cookie names. On https the session cookie takes the __Host- prefix, so
// browsers only accept it Secure, host-only and for the whole site.
const (
	sessionCookieName       = "callboard-session"
	secureSessionCookieName = "__Host-callboard-session"
	flowCookieName          = "callboard-auth-flow"
	flowCookiePath          = "/api/auth/"
)

func (s *Service) sessionCookieName() string {
	if s.cfg.secure() {
		return secureSessionCookieName
	}
	return sessionCookieName
}

// startSession signs a browser in: it ends any session the request already
// carries and always makes a new id and secret, so a session id planted
// before sign-in (session fixation) is never promoted.
func (s *Service) startSession(ctx context.Context, w http.ResponseWriter, r *http.Request, kind Kind, provider string, profile Profile, u *signedIn) (*Session, error) {
	if old, _ := s.requestSession(ctx, r); old != nil {
		if err := s.store.DeleteSession(ctx, old.ID); err != nil {
			return nil, fmt.Errorf("end previous session: %w", err)
		}
	}
	now := s.now()
	secret := randomString(32)
	sess := &Session{
		ID:                  randomID(),
		SecretHash:          hashSecret(secret),
		Kind:                kind,
		UserEntityRef:       u.UserEntityRef,
		OwnershipEntityRefs: u.OwnershipEntityRefs,
		Provider:            provider,
		Profile:             profile,
		CSRFToken:           randomString(32),
		CreatedAt:           now,
		ExpiresAt:           now.Add(s.cfg.sessionDuration),
	}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return nil, fmt.Errorf("create session: %w", err)
	}
	info := &UserInfo{UserEntityRef: u.UserEntityRef, OwnershipEntityRefs: u.OwnershipEntityRefs, UpdatedAt: now}
	if err := s.store.PutUserInfo(ctx, info); err != nil {
		return nil, fmt.Errorf("store user info: %w", err)
	}
	http.SetCookie(w, &http.Cookie{
		Name:     s.sessionCookieName(),
		Value:    sess.ID + "." + secret,
		Path:     "/",
		Expires:  sess.ExpiresAt,
		HttpOnly: true,
		Secure:   s.cfg.secure(),
		SameSite: http.SameSiteLaxMode,
	})
	s.log.InfoContext(ctx, "signed in", "provider", provider, "user", u.UserEntityRef, "session", sess.ID)
	return sess, nil
}

// requestSession returns the live session the request's cookie names; nil
// when there is no cookie or it does not name one.
func (s *Service) requestSession(ctx context.Context, r *http.Request) (*Session, error) {
	c, err := r.Cookie(s.sessionCookieName())
	if err != nil {
		return nil, nil
	}
	return s.lookupSession(ctx, c.Value)
}

// lookupSession checks a cookie value "<id>.<secret>".
func (s *Service) lookupSession(ctx context.Context, value string) (*Session, error) {
	id, secret, ok := strings.Cut(value, ".")
	if !ok || id == "" || secret == "" {
		return nil, nil
	}
	sess, err := s.store.Session(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("read session: %w", err)
	}
	if sess == nil || !secretsEqual(hashSecret(secret), sess.SecretHash) || !s.now().Before(sess.ExpiresAt) {
		return nil, nil
	}
	return sess, nil
}

// liveSession returns the session with that id if it has not ended.
func (s *Service) liveSession(ctx context.Context, id string) (*Session, error) {
	sess, err := s.store.Session(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("read session: %w", err)
	}
	if sess == nil || !s.now().Before(sess.ExpiresAt) {
		return nil, nil
	}
	return sess, nil
}

// endSession signs the request's browser out: the session row goes, and
// with it every portal token issued for it.
func (s *Service) endSession(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	sess, err := s.requestSession(ctx, r)
	if err != nil {
		return err
	}
	if sess != nil {
		if err := s.store.DeleteSession(ctx, sess.ID); err != nil {
			return fmt.Errorf("end session: %w", err)
		}
		s.log.InfoContext(ctx, "signed out", "user", sess.UserEntityRef, "session", sess.ID)
	}
	s.clearSessionCookie(w)
	return nil
}

func (s *Service) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name:     s.sessionCookieName(),
		Value:    "",
		Path:     "/",
		MaxAge:   -1,
		HttpOnly: true,
		Secure:   s.cfg.secure(),
		SameSite: http.SameSiteLaxMode,
	})
}

// sessionIdentity is the identity a session stands for.
func sessionIdentity(sess *Session, via Credential) *Identity {
	return &Identity{
		Kind:                sess.Kind,
		UserEntityRef:       sess.UserEntityRef,
		OwnershipEntityRefs: sess.OwnershipEntityRefs,
		Via:                 via,
		SessionID:           sess.ID,
		CSRFToken:           sess.CSRFToken,
	}
}

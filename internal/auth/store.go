package auth

import (
	"context"
	"time"
)

// Session is a signed-in browser. The cookie holds "<ID>.<secret>"; only
// the secret's SHA-256 is stored.
type Session struct {
	ID                  string
	SecretHash          string // hex SHA-256 of the cookie secret
	Kind                Kind   // KindUser or KindGuest
	UserEntityRef       string
	OwnershipEntityRefs []string
	Provider            string
	Profile             Profile
	CSRFToken           string
	CreatedAt           time.Time
	ExpiresAt           time.Time
}

// PersonalToken is a personal access token. The token string is
// "cbp_<ID>_<secret>"; only the secret's SHA-256 is stored.
type PersonalToken struct {
	ID            string
	SecretHash    string
	UserEntityRef string
	Name          string
	Scopes        []string
	CreatedAt     time.Time
	ExpiresAt     time.Time
	LastUsedAt    time.Time // zero when never used
	RevokedAt     time.Time // zero while not revoked
}

// Flow is a sign-in in progress between /start and /handler/frame.
type Flow struct {
	StateHash   string // hex SHA-256 of the state parameter
	Provider    string
	Env         string
	BindingHash string // hex SHA-256 of the browser's flow cookie
	Nonce       string
	Verifier    string // PKCE code verifier
	Scope       string
	Origin      string // where a popup posts its result
	ReturnTo    string // where a full-page flow ends
	Mode        string // flowPopup or flowRedirect
	ExpiresAt   time.Time
}

// PublicKey is the public half of a token-signing key, as a JWK.
type PublicKey struct {
	KID       string
	JWK       []byte
	CreatedAt time.Time
	ExpiresAt time.Time
}

// UserInfo is what the portal last learnt of a user at sign-in: the
// ownership refs that /v1/userinfo and personal access tokens report.
type UserInfo struct {
	UserEntityRef       string
	OwnershipEntityRefs []string
	UpdatedAt           time.Time
}

// SessionStore keeps browser sessions. Lookups return nil, nil when the
// row is absent.
type SessionStore interface {
	CreateSession(ctx context.Context, s *Session) error
	Session(ctx context.Context, id string) (*Session, error)
	DeleteSession(ctx context.Context, id string) error
}

// TokenStore keeps personal access tokens and user info.
type TokenStore interface {
	CreateToken(ctx context.Context, t *PersonalToken) error
	Token(ctx context.Context, id string) (*PersonalToken, error)
	// UserTokens lists a user's tokens, newest first.
	UserTokens(ctx context.Context, userEntityRef string) ([]PersonalToken, error)
	// RevokeToken marks a user's token revoked; false when the user has no
	// such unrevoked token.
	RevokeToken(ctx context.Context, id, userEntityRef string, at time.Time) (bool, error)
	TouchToken(ctx context.Context, id string, at time.Time) error
	PutUserInfo(ctx context.Context, info *UserInfo) error
	UserInfo(ctx context.Context, userEntityRef string) (*UserInfo, error)
}

// FlowStore keeps sign-in flows in progress.
type FlowStore interface {
	CreateFlow(ctx context.Context, f *Flow) error
	// TakeFlow deletes and returns the flow; nil when absent or expired at
	// now, so each state is used once.
	TakeFlow(ctx context.Context, stateHash string, now time.Time) (*Flow, error)
}

// KeyStore keeps the public keys of token-signing keys, so that every
// replica verifies every other's tokens.
type KeyStore interface {
	AddKey(ctx context.Context, k *PublicKey) error
	// Key returns the key, or nil when absent or expired at now.
	Key(ctx context.Context, kid string, now time.Time) (*PublicKey, error)
	// Keys returns the keys not expired at now, oldest first.
	Keys(ctx context.Context, now time.Time) ([]PublicKey, error)
}

// Store is everything auth keeps in the database.
type Store interface {
	SessionStore
	TokenStore
	FlowStore
	KeyStore
	// DeleteExpired removes sessions, flows and keys expired at now, and
	// tokens expired or revoked before keepTokensUntil.
	DeleteExpired(ctx context.Context, now, keepTokensUntil time.Time) error
}

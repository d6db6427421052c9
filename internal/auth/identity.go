package auth

import (
	"context"
	"slices"
)

// Kind says what sort of principal an Identity is.
type Kind string

// Identity kinds.
const (
	// KindUser is a person signed in through a provider, a portal token or
	// a personal access token.
	KindUser Kind = "user"
	// KindGuest is the guest identity: guest sign-in, or every request when
	// backend.auth.dangerouslyDisableDefaultAuthPolicy is set.
	KindGuest Kind = "guest"
	// KindService is a machine: a static or JWT external-access token.
	KindService Kind = "service"
)

// Credential says how a request proved its Identity.
type Credential string

// Credentials.
const (
	CredentialSession  Credential = "session"  // the session cookie
	CredentialJWT      Credential = "jwt"      // a portal-issued Backstage user token
	CredentialPAT      Credential = "pat"      // a personal access token
	CredentialExternal Credential = "external" // backend.auth.externalAccess or keys
	CredentialProxy    Credential = "proxy"    // a trusted reverse proxy's headers
	CredentialNone     Credential = "none"     // the auth policy is disabled
)

// Token scopes. A personal access token carries some of them; every other
// credential is unrestricted (Scopes is nil).
const (
	// ScopeRead allows safe methods and the read-only POST endpoints.
	ScopeRead = "read"
	// ScopeWrite allows every method.
	ScopeWrite = "write"
)

// AccessRestriction limits an external-access token to one plugin and,
// optionally, to some permissions of it (Backstage's accessRestrictions).
type AccessRestriction struct {
	Plugin              string              `json:"plugin"`
	Permission          []string            `json:"permission,omitempty"`
	PermissionAttribute map[string][]string `json:"permissionAttribute,omitempty"`
}

// Identity is who is calling.
type Identity struct {
	Kind Kind
	// UserEntityRef is the user's entity ref (user:default/jane) for users
	// and guests; empty for services.
	UserEntityRef string
	// OwnershipEntityRefs are the refs the caller owns through: the user
	// and every group reached through memberOf, then parent groups
	// transitively. Empty for services.
	OwnershipEntityRefs []string
	// Subject is a service's subject ("external:<subject>"); empty for
	// users.
	Subject string
	// Via is the credential the request presented.
	Via Credential
	// SessionID is the browser session behind a session or portal-token
	// credential, if any.
	SessionID string
	// TokenID is the personal access token's id, for CredentialPAT.
	TokenID string
	// Scopes limit a personal access token; nil means unrestricted.
	Scopes []string
	// AccessRestrictions limit an external-access token; nil means none.
	AccessRestrictions []AccessRestriction
	// CSRFToken is the session's token that forms and X-CSRF-Token must
	// echo on unsafe requests authenticated by the session cookie.
	CSRFToken string
}

// Principal returns the ref a caller acts as: the user entity ref for
// users and guests, the subject for services.
func (id *Identity) Principal() string {
	if id.Kind == KindService {
		return id.Subject
	}
	return id.UserEntityRef
}

// Owns reports whether ref is among the identity's ownership refs.
func (id *Identity) Owns(ref string) bool {
	return slices.Contains(id.OwnershipEntityRefs, ref)
}

// HasScope reports whether the identity may act with scope s: always for
// unrestricted credentials, otherwise when s is among its scopes
// (ScopeWrite implies ScopeRead).
func (id *Identity) HasScope(s string) bool {
	if id.Scopes == nil {
		return true
	}
	return slices.Contains(id.Scopes, s) || s == ScopeRead && slices.Contains(id.Scopes, ScopeWrite)
}

type identityKey struct{}

// WithIdentity returns ctx carrying id.
func WithIdentity(ctx context.Context, id *Identity) context.Context {
	return context.WithValue(ctx, identityKey{}, id)
}

// IdentityFrom returns the identity the request was authenticated as.
func IdentityFrom(ctx context.Context) (*Identity, bool) {
	id, ok := ctx.Value(identityKey{}).(*Identity)
	return id, ok && id != nil
}

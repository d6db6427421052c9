package auth

import (
	"context"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/problem"
)

// Backstage token types (the JWT typ header) and audience.
const (
	typUser        = "vnd.backstage.user"
	typLimitedUser = "vnd.backstage.limited-user"
	tokenAudience  = "backstage"
	// maxTokenBytes is Backstage's limit on an issued token.
	maxTokenBytes = 32 << 10
)

// userClaims are a Backstage user token's claims. Ownership (ent) is left
// out, as Backstage leaves it out by default: /v1/userinfo reports it.
type userClaims struct {
	jwt.Claims
	Ent []string `json:"ent,omitempty"`
	// UIP is the limited user token Backstage embeds for cookies.
	UIP string `json:"uip,omitempty"`
	// SID is the session the token was issued for (Callboard): signing out
	// ends the session and with it every token issued for it.
	SID string `json:"sid,omitempty"`
}

// issueUserToken signs a Backstage user token for a session.
func (k *keyring) issueUserToken(ctx context.Context, issuer string, s *Session) (string, time.Time, error) {
	sk, err := k.signing(ctx)
	if err != nil {
		return "", time.Time{}, err
	}
	now := k.now()
	exp := now.Add(k.tokenLifetime)
	if s.ExpiresAt.Before(exp) {
		exp = s.ExpiresAt
	}
	base := jwt.Claims{Subject: s.UserEntityRef, IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(exp)}
	limited, err := sign(sk, typLimitedUser, base)
	if err != nil {
		return "", time.Time{}, err
	}
	claims := userClaims{Claims: base, UIP: limited, SID: s.ID}
	claims.Issuer = issuer
	claims.Audience = jwt.Audience{tokenAudience}
	tok, err := sign(sk, typUser, claims)
	if err != nil {
		return "", time.Time{}, err
	}
	if len(tok) > maxTokenBytes {
		return "", time.Time{}, fmt.Errorf("user token of %d bytes exceeds the %d byte limit", len(tok), maxTokenBytes)
	}
	return tok, exp, nil
}

func sign(sk *signingKey, typ string, claims any) (string, error) {
	opts := (&jose.SignerOptions{}).WithType(jose.ContentType(typ))
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: sk.private, KeyID: sk.kid}}, opts)
	if err != nil {
		return "", fmt.Errorf("make signer: %w", err)
	}
	tok, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return tok, nil
}

// errBadToken is what callers learn of a token that does not verify; the
// detail goes no further than the debug log.
var errBadToken = problem.Unauthenticated("Invalid token")

// verifyUserToken checks a Backstage user token signed by any replica:
// algorithm, type, signature, issuer, audience, expiry, and that the
// subject is an entity ref.
func (k *keyring) verifyUserToken(ctx context.Context, issuer, raw string) (*userClaims, error) {
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil || len(tok.Headers) != 1 {
		return nil, errBadToken.WithCause(err)
	}
	h := tok.Headers[0]
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); typ != typUser {
		return nil, errBadToken.WithCause(fmt.Errorf("token type %q", typ))
	}
	key, err := k.publicKey(ctx, h.KeyID)
	if err != nil {
		return nil, err
	}
	if key == nil {
		return nil, errBadToken.WithCause(fmt.Errorf("unknown key %q", h.KeyID))
	}
	var c userClaims
	if err := tok.Claims(key.Key, &c); err != nil {
		return nil, errBadToken.WithCause(err)
	}
	if c.Expiry == nil {
		return nil, errBadToken.WithCause(fmt.Errorf("no expiry"))
	}
	err = c.ValidateWithLeeway(jwt.Expected{Issuer: issuer, AnyAudience: jwt.Audience{tokenAudience}, Time: k.now()}, 0)
	if err != nil {
		return nil, errBadToken.WithCause(err)
	}
	if _, err := entity.ParseRef(c.Subject, entity.RefDefaults{}); err != nil {
		return nil, errBadToken.WithCause(err)
	}
	return &c, nil
}

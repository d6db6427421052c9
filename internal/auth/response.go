package auth

import (
	"context"
	"math"
)

// ClientAuthResponse is what Backstage's sign-in endpoints return
// (§g.3): the provider's view, the profile, and the portal identity with
// its token.
type ClientAuthResponse struct {
	ProviderInfo      map[string]any     `json:"providerInfo"`
	Profile           Profile            `json:"profile"`
	BackstageIdentity *BackstageIdentity `json:"backstageIdentity,omitempty"`
}

// BackstageIdentity is the portal token and the identity it stands for.
type BackstageIdentity struct {
	Token            string         `json:"token"`
	ExpiresInSeconds int64          `json:"expiresInSeconds,omitempty"`
	Identity         IdentityClaims `json:"identity"`
}

// IdentityClaims is the identity part of BackstageIdentity.
type IdentityClaims struct {
	Type                string   `json:"type"`
	UserEntityRef       string   `json:"userEntityRef"`
	OwnershipEntityRefs []string `json:"ownershipEntityRefs"`
}

// clientAuthResponse issues a portal token for the session.
func (s *Service) clientAuthResponse(ctx context.Context, sess *Session, providerInfo map[string]any) (*ClientAuthResponse, error) {
	tok, exp, err := s.keys.issueUserToken(ctx, s.issuer(), sess)
	if err != nil {
		return nil, err
	}
	if providerInfo == nil {
		providerInfo = map[string]any{}
	}
	return &ClientAuthResponse{
		ProviderInfo: providerInfo,
		Profile:      sess.Profile,
		BackstageIdentity: &BackstageIdentity{
			Token:            tok,
			ExpiresInSeconds: int64(math.Round(exp.Sub(s.now()).Seconds())),
			Identity: IdentityClaims{
				Type:                "user",
				UserEntityRef:       sess.UserEntityRef,
				OwnershipEntityRefs: sess.OwnershipEntityRefs,
			},
		},
	}, nil
}

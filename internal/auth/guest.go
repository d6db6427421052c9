package auth

import (
	"context"
	"fmt"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/problem"
)

// providerGuest is the guest provider's id.
const providerGuest = "guest"

// defaultGuestRef is Backstage's guest user.
const defaultGuestRef = "user:development/guest"

// guestProvider is auth.providers.guest: sign-in without credentials, for
// local use.
type guestProvider struct {
	userRef         string
	ownership       []string // configured ownershipEntityRefs; nil when unset
	allowOutsideDev bool
}

func newGuestProvider(c guestConfig) (*guestProvider, error) {
	g := &guestProvider{userRef: defaultGuestRef, ownership: c.OwnershipEntityRefs, allowOutsideDev: c.DangerouslyAllowOutsideDevelopment}
	if c.UserEntityRef != "" {
		ref, err := entity.ParseRef(c.UserEntityRef, entity.RefDefaults{Kind: "user"})
		if err != nil {
			return nil, fmt.Errorf("auth.providers.guest.userEntityRef: %w", err)
		}
		g.userRef = ref.String()
	}
	for i, o := range c.OwnershipEntityRefs {
		if _, err := entity.ParseRef(o, entity.RefDefaults{}); err != nil {
			return nil, fmt.Errorf("auth.providers.guest.ownershipEntityRefs[%d]: %w", i, err)
		}
	}
	return g, nil
}

// guestRef is the guest identity's user ref: the configured guest user, or
// Backstage's default.
func (s *Service) guestRef() string {
	if s.guest != nil {
		return s.guest.userRef
	}
	return defaultGuestRef
}

// guestUsable refuses guest sign-in outside development unless
// dangerouslyAllowOutsideDevelopment is set. Development means
// auth.environment is written as "development": a deployment that does not
// say which environment it is gets no guest access by accident.
func (s *Service) guestUsable() error {
	if s.guest == nil {
		return problem.NotFound("No auth provider registered for 'guest'")
	}
	if s.guest.allowOutsideDev || s.cfg.explicitEnv && s.cfg.environment == "development" {
		return nil
	}
	return problem.New(problem.NotImplementedError, "The guest provider cannot be used outside of a development environment")
}

// guestUser resolves the guest: the catalog's entity for the guest ref
// when there is one (ownership through its groups), else the configured
// ownership refs, else the ref alone.
func (s *Service) guestUser(ctx context.Context) (*signedIn, error) {
	ref := s.guestRef()
	e, err := s.users.UserByRef(ctx, ref)
	if err != nil {
		return nil, fmt.Errorf("look up %s: %w", ref, err)
	}
	if e != nil {
		return fromEntity(ctx, s.users, e)
	}
	owned := []string{ref}
	if s.guest != nil && s.guest.ownership != nil {
		owned = append([]string(nil), s.guest.ownership...)
	}
	return &signedIn{UserEntityRef: ref, OwnershipEntityRefs: owned}, nil
}

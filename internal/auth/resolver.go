package auth

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/problem"
)

// Resolver names, as Backstage's sign-in resolvers are named.
const (
	ResolverUsername      = "usernameMatchingUserEntityName"
	ResolverEmail         = "emailMatchingUserEntityProfileEmail"
	ResolverEmailLocal    = "emailLocalPartMatchingUserEntityName"
	ResolverForwardedUser = "forwardedUserMatchingUserEntityName" // oauth2Proxy's name for ResolverUsername
)

var knownResolvers = []string{ResolverUsername, ResolverEmail, ResolverEmailLocal, ResolverForwardedUser}

// signInInfo is what a provider learnt about the person signing in.
type signInInfo struct {
	Profile Profile
	// Username is the provider's login (GitHub login, GitLab username,
	// preferred_username, X-Forwarded-User); "" when unknown.
	Username string
	// Email is a verified email address; "" when the provider has none it
	// vouches for, so email resolvers cannot match on an unverified one.
	Email        string
	ProviderInfo map[string]any
}

// resolver is one configured sign-in resolver.
type resolver struct {
	name             string
	allowedDomains   []string
	allowWithoutUser bool
}

// parseResolvers checks a provider's signIn.resolvers.
func parseResolvers(in []resolverConfig) ([]resolver, error) {
	if len(in) == 0 {
		return nil, errNoResolvers
	}
	out := make([]resolver, 0, len(in))
	for i, r := range in {
		if !slices.Contains(knownResolvers, r.Resolver) {
			return nil, fmt.Errorf("signIn.resolvers[%d].resolver: unknown resolver %q (known: %s)", i, r.Resolver, strings.Join(knownResolvers, ", "))
		}
		domains := make([]string, len(r.AllowedDomains))
		for j, d := range r.AllowedDomains {
			domains[j] = strings.ToLower(d)
		}
		out = append(out, resolver{name: r.Resolver, allowedDomains: domains, allowWithoutUser: r.DangerouslyAllowSignInWithoutUserInCatalog})
	}
	return out, nil
}

// NoUserMatchedError is a sign-in whose resolvers found no User entity.
type NoUserMatchedError struct {
	Provider  string
	Resolvers []string
}

// Error is Backstage's message for the case.
func (e *NoUserMatchedError) Error() string {
	return "Failed to sign-in, unable to resolve user identity. Please verify that your catalog contains the expected User entities that would match your configured sign-in resolver."
}

// signedIn is a resolved user.
type signedIn struct {
	UserEntityRef       string
	OwnershipEntityRefs []string
}

// resolveUser tries the resolvers in order: the first that finds a user
// wins; one that finds none hands over to the next; any other failure (such
// as several users matching) ends the sign-in.
func resolveUser(ctx context.Context, users CatalogUsers, provider string, rs []resolver, info *signInInfo) (*signedIn, error) {
	names := make([]string, len(rs))
	for i, r := range rs {
		names[i] = r.name
		u, err := r.resolve(ctx, users, info)
		if problem.Is(err, problem.NotFoundError) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return u, nil
	}
	return nil, &NoUserMatchedError{Provider: provider, Resolvers: names}
}

// resolve runs one resolver. No match is a NotFoundError.
func (r resolver) resolve(ctx context.Context, users CatalogUsers, info *signInInfo) (*signedIn, error) {
	switch r.name {
	case ResolverUsername, ResolverForwardedUser:
		if info.Username == "" {
			return nil, problem.NotFound("The provider did not return a username")
		}
		return r.byName(ctx, users, info.Username)
	case ResolverEmailLocal:
		local, domain, ok := splitEmail(info.Email)
		if !ok {
			return nil, problem.NotFound("The provider did not return a verified email")
		}
		if len(r.allowedDomains) > 0 && !slices.Contains(r.allowedDomains, domain) {
			return nil, problem.NotAllowed("Sign-in user email is not from an allowed domain")
		}
		return r.byName(ctx, users, local)
	case ResolverEmail:
		local, _, ok := splitEmail(info.Email)
		if !ok {
			return nil, problem.NotFound("The provider did not return a verified email")
		}
		u, err := byEmail(ctx, users, info.Email)
		if problem.Is(err, problem.NotFoundError) && r.allowWithoutUser {
			return withoutCatalog(local), nil
		}
		return u, err
	}
	return nil, fmt.Errorf("unknown resolver %q", r.name)
}

// byName signs in user:default/<name>.
func (r resolver) byName(ctx context.Context, users CatalogUsers, name string) (*signedIn, error) {
	ref := entity.Ref{Kind: "user", Namespace: entity.DefaultNamespace, Name: name}.String()
	e, err := users.UserByRef(ctx, ref)
	if err != nil {
		return nil, fmt.Errorf("look up %s: %w", ref, err)
	}
	if e == nil || !strings.EqualFold(e.Kind, "user") {
		if r.allowWithoutUser {
			return withoutCatalog(name), nil
		}
		return nil, problem.NotFound("User not found")
	}
	return fromEntity(ctx, users, e)
}

// byEmail finds the one User whose spec.profile.email matches, retrying
// without a +tag as Backstage does.
func byEmail(ctx context.Context, users CatalogUsers, email string) (*signedIn, error) {
	candidates := []string{email}
	if local, domain, _ := splitEmail(email); strings.Contains(local, "+") {
		base, _, _ := strings.Cut(local, "+")
		candidates = append(candidates, base+"@"+domain)
	}
	for _, c := range candidates {
		found, err := users.FindUsers(ctx, map[string]string{"kind": "user", "spec.profile.email": c}, 2)
		if err != nil {
			return nil, fmt.Errorf("look up users by email: %w", err)
		}
		switch len(found) {
		case 0:
			continue
		case 1:
			return fromEntity(ctx, users, found[0])
		default:
			return nil, problem.Conflict("User lookup resulted in multiple matches")
		}
	}
	return nil, problem.NotFound("User not found")
}

func fromEntity(ctx context.Context, users CatalogUsers, e *entity.Entity) (*signedIn, error) {
	refs, err := Ownership(ctx, users, e)
	if err != nil {
		return nil, err
	}
	return &signedIn{UserEntityRef: e.Ref().String(), OwnershipEntityRefs: refs}, nil
}

// withoutCatalog is dangerouslyAllowSignInWithoutUserInCatalog: the user
// owns only itself.
func withoutCatalog(name string) *signedIn {
	ref := entity.Ref{Kind: "user", Namespace: entity.DefaultNamespace, Name: name}.String()
	return &signedIn{UserEntityRef: ref, OwnershipEntityRefs: []string{ref}}
}

// splitEmail returns the lower-cased local part and domain of an address.
func splitEmail(email string) (local, domain string, ok bool) {
	local, domain, ok = strings.Cut(strings.ToLower(strings.TrimSpace(email)), "@")
	if !ok || local == "" || domain == "" || strings.Contains(domain, "@") {
		return "", "", false
	}
	return local, domain, true
}

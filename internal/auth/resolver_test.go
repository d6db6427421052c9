package auth

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/problem"
)

func TestResolvers(t *testing.T) {
	users := newFakeUsers(
		user("jane", "jane@example.com", "group:default/team-a"),
		user("joe", "joe@example.com"),
		user("twin1", "twin@example.com"),
		user("twin2", "TWIN@example.com"),
		group("team-a"),
	)
	r := func(name string, opts ...func(*resolverConfig)) resolverConfig {
		c := resolverConfig{Resolver: name}
		for _, o := range opts {
			o(&c)
		}
		return c
	}
	dangerous := func(c *resolverConfig) { c.DangerouslyAllowSignInWithoutUserInCatalog = true }
	domains := func(d ...string) func(*resolverConfig) {
		return func(c *resolverConfig) { c.AllowedDomains = d }
	}
	tests := []struct {
		name      string
		resolvers []resolverConfig
		info      signInInfo
		want      *signedIn
		wantErr   string // problem name, or "nomatch"
	}{
		{"username", []resolverConfig{r(ResolverUsername)}, signInInfo{Username: "jane"},
			&signedIn{"user:default/jane", []string{"user:default/jane", "group:default/team-a"}}, ""},
		{"username case", []resolverConfig{r(ResolverUsername)}, signInInfo{Username: "Joe"},
			&signedIn{"user:default/joe", []string{"user:default/joe"}}, ""},
		{"username missing", []resolverConfig{r(ResolverUsername)}, signInInfo{Email: "jane@example.com"}, nil, "nomatch"},
		{"email", []resolverConfig{r(ResolverEmail)}, signInInfo{Email: "JANE@example.com"},
			&signedIn{"user:default/jane", []string{"user:default/jane", "group:default/team-a"}}, ""},
		{"email without +tag", []resolverConfig{r(ResolverEmail)}, signInInfo{Email: "joe+portal@example.com"},
			&signedIn{"user:default/joe", []string{"user:default/joe"}}, ""},
		{"email ambiguous", []resolverConfig{r(ResolverEmail)}, signInInfo{Email: "twin@example.com"}, nil, problem.ConflictError},
		{"email unverified", []resolverConfig{r(ResolverEmail)}, signInInfo{Username: "jane"}, nil, "nomatch"},
		{"local part", []resolverConfig{r(ResolverEmailLocal)}, signInInfo{Email: "Jane@corp.example"},
			&signedIn{"user:default/jane", []string{"user:default/jane", "group:default/team-a"}}, ""},
		{"local part allowed domain", []resolverConfig{r(ResolverEmailLocal, domains("corp.example"))}, signInInfo{Email: "jane@corp.example"},
			&signedIn{"user:default/jane", []string{"user:default/jane", "group:default/team-a"}}, ""},
		{"local part other domain", []resolverConfig{r(ResolverEmailLocal, domains("corp.example"))}, signInInfo{Email: "jane@evil.example"},
			nil, problem.NotAllowedError},
		{"chain falls through", []resolverConfig{r(ResolverEmail), r(ResolverUsername)}, signInInfo{Email: "nobody@example.com", Username: "joe"},
			&signedIn{"user:default/joe", []string{"user:default/joe"}}, ""},
		{"first match wins", []resolverConfig{r(ResolverUsername), r(ResolverEmail)}, signInInfo{Email: "jane@example.com", Username: "joe"},
			&signedIn{"user:default/joe", []string{"user:default/joe"}}, ""},
		{"nothing matches", []resolverConfig{r(ResolverEmail), r(ResolverUsername)}, signInInfo{Email: "x@example.com", Username: "x"}, nil, "nomatch"},
		{"without catalog by name", []resolverConfig{r(ResolverUsername, dangerous)}, signInInfo{Username: "newbie"},
			&signedIn{"user:default/newbie", []string{"user:default/newbie"}}, ""},
		{"without catalog by email", []resolverConfig{r(ResolverEmail, dangerous)}, signInInfo{Email: "newbie@example.com"},
			&signedIn{"user:default/newbie", []string{"user:default/newbie"}}, ""},
		{"catalog user preferred", []resolverConfig{r(ResolverUsername, dangerous)}, signInInfo{Username: "jane"},
			&signedIn{"user:default/jane", []string{"user:default/jane", "group:default/team-a"}}, ""},
		{"forwarded user alias", []resolverConfig{r(ResolverForwardedUser)}, signInInfo{Username: "joe"},
			&signedIn{"user:default/joe", []string{"user:default/joe"}}, ""},
		{"group is not a user", []resolverConfig{r(ResolverUsername)}, signInInfo{Username: "team-a"}, nil, "nomatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs, err := parseResolvers(tt.resolvers)
			if err != nil {
				t.Fatal(err)
			}
			got, err := resolveUser(context.Background(), users, "test", rs, &tt.info)
			var nomatch *NoUserMatchedError
			switch {
			case tt.wantErr == "nomatch":
				if !errors.As(err, &nomatch) {
					t.Fatalf("err = %v, want NoUserMatchedError", err)
				}
				return
			case tt.wantErr != "":
				if !problem.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %s", err, tt.wantErr)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseResolversErrors(t *testing.T) {
	if _, err := parseResolvers(nil); !errors.Is(err, errNoResolvers) {
		t.Errorf("no resolvers: %v", err)
	}
	_, err := parseResolvers([]resolverConfig{{Resolver: "emailMatchingUserEntityAnnotation"}})
	want := `signIn.resolvers[0].resolver: unknown resolver "emailMatchingUserEntityAnnotation" (known: usernameMatchingUserEntityName, emailMatchingUserEntityProfileEmail, emailLocalPartMatchingUserEntityName, forwardedUserMatchingUserEntityName)`
	if err == nil || err.Error() != want {
		t.Errorf("unknown resolver: %v", err)
	}
}

func TestOwnershipIsTransitive(t *testing.T) {
	users := newFakeUsers(
		user("jane", "", "group:default/team-a", "group:default/guild", "group:default/team-a"),
		group("team-a", "group:default/eng"),
		group("guild", "group:default/eng"),
		group("eng", "group:default/company"),
		// A cycle in the hierarchy ends the walk instead of looping.
		group("company", "group:default/team-a"),
	)
	e, _ := users.UserByRef(context.Background(), "user:default/jane")
	got, err := Ownership(context.Background(), users, e)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"user:default/jane", "group:default/team-a", "group:default/guild", "group:default/eng", "group:default/company"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ownership (-want +got):\n%s", diff)
	}
}

func TestOwnershipIgnoresNonGroups(t *testing.T) {
	e := user("jane", "", "group:default/a", "user:default/bob")
	got, err := Ownership(context.Background(), newFakeUsers(group("a")), e)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"user:default/jane", "group:default/a"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

package auth

import (
	"context"
	"testing"
)

func TestIdentityContext(t *testing.T) {
	if _, ok := IdentityFrom(context.Background()); ok {
		t.Fatal("identity found in an empty context")
	}
	if _, ok := IdentityFrom(WithIdentity(context.Background(), nil)); ok {
		t.Fatal("nil identity reported as present")
	}
	id := &Identity{Kind: KindUser, UserEntityRef: "user:default/jane", OwnershipEntityRefs: []string{"user:default/jane", "group:default/team-a"}}
	got, ok := IdentityFrom(WithIdentity(context.Background(), id))
	if !ok || got != id {
		t.Fatalf("IdentityFrom = %v, %v", got, ok)
	}
	if !got.Owns("group:default/team-a") || got.Owns("group:default/team-b") {
		t.Error("Owns disagrees with OwnershipEntityRefs")
	}
	if got.Principal() != "user:default/jane" {
		t.Errorf("Principal = %q", got.Principal())
	}
	svc := &Identity{Kind: KindService, Subject: "external:ci"}
	if svc.Principal() != "external:ci" {
		t.Errorf("service Principal = %q", svc.Principal())
	}
}

func TestHasScope(t *testing.T) {
	tests := []struct {
		scopes []string
		scope  string
		want   bool
	}{
		{nil, ScopeWrite, true},
		{[]string{ScopeRead}, ScopeRead, true},
		{[]string{ScopeRead}, ScopeWrite, false},
		{[]string{ScopeWrite}, ScopeRead, true},
		{[]string{}, ScopeRead, false},
	}
	for _, tt := range tests {
		id := &Identity{Scopes: tt.scopes}
		if got := id.HasScope(tt.scope); got != tt.want {
			t.Errorf("scopes %v HasScope(%q) = %v, want %v", tt.scopes, tt.scope, got, tt.want)
		}
	}
}

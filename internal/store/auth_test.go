package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/auth"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
)

var t0 = time.UnixMilli(1_800_000_000_000).UTC()

func TestAuthSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := store.NewAuth(db)
		s := &auth.Session{
			ID: "s1", SecretHash: "abc", Kind: auth.KindUser, UserEntityRef: "user:default/jane",
			OwnershipEntityRefs: []string{"user:default/jane", "group:default/team-a"}, Provider: "github",
			Profile: auth.Profile{Email: "jane@example.com", DisplayName: "Jane"}, CSRFToken: "csrf",
			CreatedAt: t0, ExpiresAt: t0.Add(time.Hour),
		}
		if err := a.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
		got, err := a.Session(ctx, "s1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(s, got); diff != "" {
			t.Errorf("session (-want +got):\n%s", diff)
		}
		if got, err := a.Session(ctx, "nope"); err != nil || got != nil {
			t.Errorf("absent session = %v, %v", got, err)
		}
		if err := a.DeleteSession(ctx, "s1"); err != nil {
			t.Fatal(err)
		}
		if got, _ := a.Session(ctx, "s1"); got != nil {
			t.Error("session survived deletion")
		}
		if err := a.DeleteSession(ctx, "s1"); err != nil {
			t.Errorf("deleting an absent session: %v", err)
		}
	})
}

func TestAuthTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := store.NewAuth(db)
		older := &auth.PersonalToken{ID: "t1", SecretHash: "h1", UserEntityRef: "user:default/jane", Name: "ci",
			Scopes: []string{"read"}, CreatedAt: t0, ExpiresAt: t0.Add(24 * time.Hour)}
		newer := &auth.PersonalToken{ID: "t2", SecretHash: "h2", UserEntityRef: "user:default/jane", Name: "cli",
			Scopes: []string{"read", "write"}, CreatedAt: t0.Add(time.Minute), ExpiresAt: t0.Add(48 * time.Hour)}
		other := &auth.PersonalToken{ID: "t3", SecretHash: "h3", UserEntityRef: "user:default/joe", Name: "x",
			Scopes: []string{"write"}, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
		for _, tk := range []*auth.PersonalToken{older, newer, other} {
			if err := a.CreateToken(ctx, tk); err != nil {
				t.Fatal(err)
			}
		}
		got, err := a.Token(ctx, "t1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(older, got); diff != "" {
			t.Errorf("token (-want +got):\n%s", diff)
		}
		list, err := a.UserTokens(ctx, "user:default/jane")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]auth.PersonalToken{*newer, *older}, list); diff != "" {
			t.Errorf("user tokens, newest first (-want +got):\n%s", diff)
		}

		// Only the owner revokes, once.
		if ok, err := a.RevokeToken(ctx, "t1", "user:default/joe", t0); err != nil || ok {
			t.Errorf("revoke someone else's token = %v, %v", ok, err)
		}
		if ok, err := a.RevokeToken(ctx, "t1", "user:default/jane", t0.Add(time.Second)); err != nil || !ok {
			t.Errorf("revoke = %v, %v", ok, err)
		}
		if ok, _ := a.RevokeToken(ctx, "t1", "user:default/jane", t0.Add(2*time.Second)); ok {
			t.Error("a revoked token was revoked again")
		}
		if err := a.TouchToken(ctx, "t2", t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		got, _ = a.Token(ctx, "t1")
		if !got.RevokedAt.Equal(t0.Add(time.Second)) {
			t.Errorf("revoked at %v", got.RevokedAt)
		}
		got, _ = a.Token(ctx, "t2")
		if !got.LastUsedAt.Equal(t0.Add(time.Hour)) || !got.RevokedAt.IsZero() {
			t.Errorf("t2 last used %v revoked %v", got.LastUsedAt, got.RevokedAt)
		}

		// Tokens expired or revoked before the cut-off are pruned.
		if err := a.DeleteExpired(ctx, t0.Add(2*time.Hour), t0.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		for id, want := range map[string]bool{"t1": false, "t2": true, "t3": false} {
			tk, err := a.Token(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if (tk != nil) != want {
				t.Errorf("after pruning, token %s present = %v, want %v", id, tk != nil, want)
			}
		}
	})
}

func TestAuthUserInfo(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := store.NewAuth(db)
		if got, err := a.UserInfo(ctx, "user:default/jane"); err != nil || got != nil {
			t.Fatalf("absent user info = %v, %v", got, err)
		}
		for _, refs := range [][]string{{"user:default/jane"}, {"user:default/jane", "group:default/a"}} {
			info := &auth.UserInfo{UserEntityRef: "user:default/jane", OwnershipEntityRefs: refs, UpdatedAt: t0}
			if err := a.PutUserInfo(ctx, info); err != nil {
				t.Fatal(err)
			}
			got, err := a.UserInfo(ctx, "user:default/jane")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(info, got); diff != "" {
				t.Errorf("user info (-want +got):\n%s", diff)
			}
		}
	})
}

func TestAuthFlows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := store.NewAuth(db)
		f := &auth.Flow{StateHash: "st", Provider: "github", Env: "development", BindingHash: "b", Nonce: "n",
			Verifier: "v", Scope: "repo", Origin: "http://localhost:7007", ReturnTo: "/catalog", Mode: "redirect",
			ExpiresAt: t0.Add(10 * time.Minute)}
		if err := a.CreateFlow(ctx, f); err != nil {
			t.Fatal(err)
		}
		got, err := a.TakeFlow(ctx, "st", t0)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(f, got); diff != "" {
			t.Errorf("flow (-want +got):\n%s", diff)
		}
		if got, err := a.TakeFlow(ctx, "st", t0); err != nil || got != nil {
			t.Errorf("a flow was taken twice: %v, %v", got, err)
		}
		// An expired flow is gone, not returned.
		f.StateHash = "old"
		if err := a.CreateFlow(ctx, f); err != nil {
			t.Fatal(err)
		}
		if got, err := a.TakeFlow(ctx, "old", t0.Add(time.Hour)); err != nil || got != nil {
			t.Errorf("expired flow = %v, %v", got, err)
		}
	})
}

func TestAuthKeysAndPruning(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := store.NewAuth(db)
		k1 := &auth.PublicKey{KID: "k1", JWK: []byte(`{"kid":"k1"}`), CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
		k2 := &auth.PublicKey{KID: "k2", JWK: []byte(`{"kid":"k2"}`), CreatedAt: t0.Add(time.Minute), ExpiresAt: t0.Add(3 * time.Hour)}
		for _, k := range []*auth.PublicKey{k1, k2} {
			if err := a.AddKey(ctx, k); err != nil {
				t.Fatal(err)
			}
		}
		keys, err := a.Keys(ctx, t0)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]auth.PublicKey{*k1, *k2}, keys); diff != "" {
			t.Errorf("keys (-want +got):\n%s", diff)
		}
		if k, err := a.Key(ctx, "k1", t0.Add(2*time.Hour)); err != nil || k != nil {
			t.Errorf("expired key = %v, %v", k, err)
		}
		if k, err := a.Key(ctx, "k2", t0.Add(2*time.Hour)); err != nil || k == nil {
			t.Errorf("live key = %v, %v", k, err)
		}

		s := &auth.Session{ID: "s", SecretHash: "h", Kind: auth.KindGuest, UserEntityRef: "user:development/guest",
			OwnershipEntityRefs: []string{"user:development/guest"}, Provider: "guest", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
		if err := a.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
		if err := a.DeleteExpired(ctx, t0.Add(2*time.Hour), t0); err != nil {
			t.Fatal(err)
		}
		if got, _ := a.Session(ctx, "s"); got != nil {
			t.Error("expired session not pruned")
		}
		keys, _ = a.Keys(ctx, t0)
		if len(keys) != 1 || keys[0].KID != "k2" {
			t.Errorf("keys after pruning = %v", keys)
		}
	})
}

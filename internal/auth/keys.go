package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// keySignLifetime is how long one key signs new tokens before the next one
// takes over.
const keySignLifetime = 24 * time.Hour

// keyring signs portal tokens with an ES256 key and verifies tokens signed
// by any replica's key. As in Backstage's auth plugin, the private key
// lives only in this process's memory; its public half goes to the
// database, where every replica (and /.well-known/jwks.json) finds it. A
// restart makes a new key; tokens signed by the old one stay valid until
// they expire because its public key stays in the database.
type keyring struct {
	store         KeyStore
	now           func() time.Time
	tokenLifetime time.Duration

	mu      sync.Mutex
	current *signingKey
	public  map[string]*cachedKey
}

type signingKey struct {
	kid       string
	private   *ecdsa.PrivateKey
	signUntil time.Time
}

type cachedKey struct {
	key       jose.JSONWebKey
	expiresAt time.Time
}

func newKeyring(store KeyStore, now func() time.Time, tokenLifetime time.Duration) *keyring {
	return &keyring{store: store, now: now, tokenLifetime: tokenLifetime, public: map[string]*cachedKey{}}
}

// signing returns the key to sign with now, making and publishing a new
// one when there is none or the current one is due to retire.
func (k *keyring) signing(ctx context.Context) (*signingKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.now()
	if k.current != nil && now.Before(k.current.signUntil) {
		return k.current, nil
	}
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate signing key: %w", err)
	}
	sk := &signingKey{kid: randomID(), private: priv, signUntil: now.Add(keySignLifetime)}
	pub := jose.JSONWebKey{Key: &priv.PublicKey, KeyID: sk.kid, Algorithm: string(jose.ES256), Use: "sig"}
	b, err := json.Marshal(pub)
	if err != nil {
		return nil, fmt.Errorf("encode public key: %w", err)
	}
	// Verifiers must accept the last token this key signs until it expires.
	expires := sk.signUntil.Add(k.tokenLifetime + time.Minute)
	if err := k.store.AddKey(ctx, &PublicKey{KID: sk.kid, JWK: b, CreatedAt: now, ExpiresAt: expires}); err != nil {
		return nil, fmt.Errorf("publish signing key: %w", err)
	}
	k.current = sk
	k.public[sk.kid] = &cachedKey{key: pub, expiresAt: expires}
	return sk, nil
}

// publicKey returns the verification key with that id; nil when no
// replica published it or it has expired.
func (k *keyring) publicKey(ctx context.Context, kid string) (*jose.JSONWebKey, error) {
	now := k.now()
	k.mu.Lock()
	c := k.public[kid]
	k.mu.Unlock()
	if c != nil {
		if now.Before(c.expiresAt) {
			return &c.key, nil
		}
		return nil, nil
	}
	pk, err := k.store.Key(ctx, kid, now)
	if err != nil {
		return nil, fmt.Errorf("read public key: %w", err)
	}
	if pk == nil {
		return nil, nil
	}
	var jwk jose.JSONWebKey
	if err := json.Unmarshal(pk.JWK, &jwk); err != nil {
		return nil, fmt.Errorf("decode public key %s: %w", kid, err)
	}
	k.mu.Lock()
	k.public[kid] = &cachedKey{key: jwk, expiresAt: pk.ExpiresAt}
	k.mu.Unlock()
	return &jwk, nil
}

// jwks returns every published, unexpired public key.
func (k *keyring) jwks(ctx context.Context) (*jose.JSONWebKeySet, error) {
	keys, err := k.store.Keys(ctx, k.now())
	if err != nil {
		return nil, fmt.Errorf("read public keys: %w", err)
	}
	set := &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{}}
	for _, pk := range keys {
		var jwk jose.JSONWebKey
		if err := json.Unmarshal(pk.JWK, &jwk); err != nil {
			return nil, fmt.Errorf("decode public key %s: %w", pk.KID, err)
		}
		set.Keys = append(set.Keys, jwk)
	}
	return set, nil
}

// forget drops cached public keys that have expired, so the cache does not
// grow with restarts.
func (k *keyring) forget() {
	now := k.now()
	k.mu.Lock()
	defer k.mu.Unlock()
	for kid, c := range k.public {
		if !now.Before(c.expiresAt) {
			delete(k.public, kid)
		}
	}
}

package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Backstage's limits on static external-access tokens.
const minStaticTokenLength = 8

// legacySubject is the sub claim of Backstage's legacy service tokens.
const legacySubject = "backstage-server"

// externalAccess verifies backend.auth.externalAccess and the legacy
// backend.auth.keys: callers that are machines, not people.
type externalAccess struct {
	static []staticAccess
	legacy []legacyAccess
	jwks   []jwksAccess
}

type staticAccess struct {
	token        string
	subject      string
	restrictions []AccessRestriction
}

type legacyAccess struct {
	secret       []byte
	subject      string
	restrictions []AccessRestriction
}

type jwksAccess struct {
	verifier      *oidc.IDTokenVerifier
	subjectPrefix string
	restrictions  []AccessRestriction
}

func newExternalAccess(entries []externalAccessConfig, legacyKeys []string, client *http.Client) (*externalAccess, error) {
	ea := &externalAccess{}
	for i, e := range entries {
		key := fmt.Sprintf("backend.auth.externalAccess[%d]", i)
		restrictions, err := accessRestrictions(e, key)
		if err != nil {
			return nil, err
		}
		o := e.Options
		switch e.Type {
		case "static":
			if len(o.Token) < minStaticTokenLength || strings.ContainsAny(o.Token, " \t\r\n") {
				return nil, fmt.Errorf("%s.options.token: must be at least %d characters without whitespace", key, minStaticTokenLength)
			}
			if o.Subject == "" || strings.ContainsAny(o.Subject, " \t\r\n") {
				return nil, fmt.Errorf("%s.options.subject: must be a non-empty string without whitespace", key)
			}
			ea.static = append(ea.static, staticAccess{token: o.Token, subject: o.Subject, restrictions: restrictions})
		case "legacy":
			secret, err := base64.StdEncoding.DecodeString(o.Secret)
			if err != nil || len(secret) == 0 {
				return nil, fmt.Errorf("%s.options.secret: must be a non-empty base64 string", key)
			}
			if o.Subject == "" {
				return nil, fmt.Errorf("%s.options.subject: must not be empty", key)
			}
			ea.legacy = append(ea.legacy, legacyAccess{secret: secret, subject: o.Subject, restrictions: restrictions})
		case "jwks":
			v, err := jwksVerifier(e, key, client)
			if err != nil {
				return nil, err
			}
			ea.jwks = append(ea.jwks, jwksAccess{verifier: v, subjectPrefix: o.SubjectPrefix, restrictions: restrictions})
		default:
			return nil, fmt.Errorf("%s.type: unknown type %q (static, legacy or jwks)", key, e.Type)
		}
	}
	for _, k := range legacyKeys {
		secret, err := base64.StdEncoding.DecodeString(k)
		if err != nil || len(secret) == 0 {
			return nil, fmt.Errorf("backend.auth.keys: secrets must be non-empty base64 strings")
		}
		ea.legacy = append(ea.legacy, legacyAccess{secret: secret, subject: "legacy-default-config"})
	}
	return ea, nil
}

func jwksVerifier(e externalAccessConfig, key string, client *http.Client) (*oidc.IDTokenVerifier, error) {
	o := e.Options
	if o.URL == "" {
		return nil, fmt.Errorf("%s.options.url: must not be empty", key)
	}
	issuers, err := stringList(o.Issuer, key+".options.issuer")
	if err != nil {
		return nil, err
	}
	audiences, err := stringList(o.Audience, key+".options.audience")
	if err != nil {
		return nil, err
	}
	algs, err := stringList(o.Algorithm, key+".options.algorithm")
	if err != nil {
		return nil, err
	}
	if len(issuers) > 1 || len(audiences) > 1 {
		return nil, fmt.Errorf("%s.options: Callboard accepts one issuer and one audience per jwks entry", key)
	}
	cfg := &oidc.Config{SupportedSigningAlgs: algs, SkipIssuerCheck: len(issuers) == 0, SkipClientIDCheck: len(audiences) == 0}
	issuer := ""
	if len(issuers) == 1 {
		issuer = issuers[0]
	}
	if len(audiences) == 1 {
		cfg.ClientID = audiences[0]
	}
	// The key set fetches keys for as long as the process runs, so it gets
	// a context that never ends.
	ctx := oidc.ClientContext(context.Background(), client)
	return oidc.NewVerifier(issuer, oidc.NewRemoteKeySet(ctx, o.URL), cfg), nil
}

func accessRestrictions(e externalAccessConfig, key string) ([]AccessRestriction, error) {
	var out []AccessRestriction
	for i, r := range e.AccessRestrictions {
		k := fmt.Sprintf("%s.accessRestrictions[%d]", key, i)
		if r.Plugin == "" {
			return nil, fmt.Errorf("%s.plugin: must not be empty", k)
		}
		perms, err := stringList(r.Permission, k+".permission")
		if err != nil {
			return nil, err
		}
		ar := AccessRestriction{Plugin: r.Plugin, Permission: perms}
		for name, v := range r.PermissionAttribute {
			vals, err := stringList(v, k+".permissionAttribute."+name)
			if err != nil {
				return nil, err
			}
			if ar.PermissionAttribute == nil {
				ar.PermissionAttribute = map[string][]string{}
			}
			ar.PermissionAttribute[name] = vals
		}
		out = append(out, ar)
	}
	return out, nil
}

// verifyStatic compares raw with every static token, all of them each
// time, so the time taken says nothing about which one (if any) matched.
func (ea *externalAccess) verifyStatic(raw string) *Identity {
	var found *staticAccess
	for i := range ea.static {
		if secretsEqual(raw, ea.static[i].token) && found == nil {
			found = &ea.static[i]
		}
	}
	if found == nil {
		return nil
	}
	return serviceIdentity(found.subject, found.restrictions)
}

// verifyLegacy checks an HS256 token against each legacy secret.
func (ea *externalAccess) verifyLegacy(raw string, now time.Time) *Identity {
	for _, l := range ea.legacy {
		c, ok := verifyHS256(raw, l.secret)
		if !ok {
			continue
		}
		if c.Subject != legacySubject || c.Expiry == nil || c.ValidateWithLeeway(jwt.Expected{Time: now}, 0) != nil {
			return nil
		}
		return serviceIdentity(l.subject, l.restrictions)
	}
	return nil
}

// verifyHS256 checks a compact HS256 JWS and returns its claims. It is
// written out rather than left to go-jose, which refuses HMAC keys shorter
// than 32 bytes, while Backstage's legacy secrets may be shorter.
func verifyHS256(raw string, secret []byte) (*jwt.Claims, bool) {
	header, rest, ok := strings.Cut(raw, ".")
	if !ok {
		return nil, false
	}
	payload, sig, ok := strings.Cut(rest, ".")
	if !ok || strings.Contains(sig, ".") {
		return nil, false
	}
	var h struct {
		Alg string `json:"alg"`
	}
	if hb, err := base64.RawURLEncoding.DecodeString(header); err != nil || json.Unmarshal(hb, &h) != nil || h.Alg != "HS256" {
		return nil, false
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return nil, false
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(header + "." + payload))
	if !hmac.Equal(got, m.Sum(nil)) {
		return nil, false
	}
	pb, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return nil, false
	}
	var c jwt.Claims
	if json.Unmarshal(pb, &c) != nil {
		return nil, false
	}
	return &c, true
}

// verifyJWKS checks a token against each jwks entry's keys.
func (ea *externalAccess) verifyJWKS(ctx context.Context, raw string) *Identity {
	for _, j := range ea.jwks {
		t, err := j.verifier.Verify(ctx, raw)
		if err != nil || t.Subject == "" {
			continue
		}
		return serviceIdentity(j.subjectPrefix+t.Subject, j.restrictions)
	}
	return nil
}

func serviceIdentity(subject string, restrictions []AccessRestriction) *Identity {
	return &Identity{Kind: KindService, Subject: "external:" + subject, Via: CredentialExternal, AccessRestrictions: restrictions}
}

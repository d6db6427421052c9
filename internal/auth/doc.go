// Package auth signs people and machines in to Callboard and tells every
// request who is calling.
//
// It reproduces Backstage's auth plugin (/api/auth): sign-in providers
// configured as auth.providers.<id>.<env> (OpenID Connect with presets for
// Google, Microsoft Entra ID, Okta and Auth0; GitHub and GitLab OAuth;
// trusted reverse-proxy headers; guest), sign-in resolvers that map a
// provider's profile to a User entity of the catalog, ownership through
// group membership, and Backstage user tokens (ES256 JWTs) verifiable at
// /api/auth/.well-known/jwks.json. Beyond Backstage it keeps browser
// sessions in the database behind HttpOnly cookies with CSRF tokens, and
// issues personal access tokens, stored hashed, for the CLI and API.
//
// Authenticator.Wrap authenticates every request (session cookie, bearer
// token, static external-access token or proxy header) and puts the
// caller's Identity in the request context; IdentityFrom reads it back.
package auth

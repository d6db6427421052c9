-- Sign-in: browser sessions, personal access tokens, sign-in flows in
-- progress, the public halves of token-signing keys, and what the portal
-- last learnt of each user's ownership. Secrets are kept only as hex
-- SHA-256 hashes. Times are Unix milliseconds; 0 means never.

CREATE TABLE auth_sessions (
  id TEXT PRIMARY KEY,
  secret_hash TEXT NOT NULL,
  kind TEXT NOT NULL,
  user_entity_ref TEXT NOT NULL,
  ownership_entity_refs TEXT NOT NULL,
  provider TEXT NOT NULL,
  profile TEXT NOT NULL,
  csrf_token TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX auth_sessions_expires_at ON auth_sessions (expires_at);

CREATE TABLE auth_tokens (
  id TEXT PRIMARY KEY,
  secret_hash TEXT NOT NULL,
  user_entity_ref TEXT NOT NULL,
  name TEXT NOT NULL,
  scopes TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  last_used_at INTEGER NOT NULL DEFAULT 0,
  revoked_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX auth_tokens_user ON auth_tokens (user_entity_ref, created_at);

CREATE TABLE auth_flows (
  state_hash TEXT PRIMARY KEY,
  provider TEXT NOT NULL,
  env TEXT NOT NULL,
  binding_hash TEXT NOT NULL,
  nonce TEXT NOT NULL,
  verifier TEXT NOT NULL,
  scope TEXT NOT NULL,
  origin TEXT NOT NULL,
  return_to TEXT NOT NULL,
  mode TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX auth_flows_expires_at ON auth_flows (expires_at);

CREATE TABLE auth_keys (
  kid TEXT PRIMARY KEY,
  jwk TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX auth_keys_expires_at ON auth_keys (expires_at);

CREATE TABLE auth_user_info (
  user_entity_ref TEXT PRIMARY KEY,
  ownership_entity_refs TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);

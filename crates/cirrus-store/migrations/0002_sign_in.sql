-- Cirrus store, version 2: what sign-ins need. Portable: TEXT, BIGINT and BOOLEAN only.

-- Short-lived, single-purpose records keyed by kind and key: pending auth sessions, authorization
-- codes, the SAML assertion-ID replay cache and hosted-UI sessions. `expires` is epoch ms.
CREATE TABLE IF NOT EXISTS ephemeral (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    pool_id TEXT NOT NULL,
    expires BIGINT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (kind, key)
);
CREATE INDEX IF NOT EXISTS ephemeral_by_expiry ON ephemeral (expires);

-- JWT signing keys of a pool; the newest of each use signs, every unexpired one is published.
CREATE TABLE IF NOT EXISTS jwt_keys (
    pool_id TEXT NOT NULL,
    kid TEXT NOT NULL,
    token_use TEXT NOT NULL,
    created BIGINT NOT NULL,
    retire_after BIGINT NOT NULL,
    private_key TEXT NOT NULL,
    public_jwk TEXT NOT NULL,
    PRIMARY KEY (pool_id, kid)
);

-- Refresh tokens, stored by the SHA-256 of the token; revocation is a flag, so a revoked
-- token is told apart from an unknown one.
CREATE TABLE IF NOT EXISTS refresh_tokens (
    token_hash TEXT NOT NULL PRIMARY KEY,
    pool_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    username TEXT NOT NULL,
    origin_jti TEXT NOT NULL,
    provider TEXT NOT NULL,
    created BIGINT NOT NULL,
    expires BIGINT NOT NULL,
    revoked BOOLEAN NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS refresh_tokens_by_user ON refresh_tokens (pool_id, username);
CREATE INDEX IF NOT EXISTS refresh_tokens_by_origin ON refresh_tokens (pool_id, origin_jti);

-- Revoked sessions (origin_jti): access tokens derived from them are refused by Cirrus.
CREATE TABLE IF NOT EXISTS revoked_origins (
    pool_id TEXT NOT NULL,
    origin_jti TEXT NOT NULL,
    expires BIGINT NOT NULL,
    PRIMARY KEY (pool_id, origin_jti)
);

-- The audit trail.
CREATE TABLE IF NOT EXISTS audit_events (
    id TEXT NOT NULL PRIMARY KEY,
    pool_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_events_by_pool ON audit_events (pool_id, at);
CREATE INDEX IF NOT EXISTS audit_events_by_time ON audit_events (at);

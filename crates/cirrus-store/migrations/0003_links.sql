-- Cirrus store, version 3: external identities linked to existing users
-- (AdminLinkProviderForUser). A link matches a sign-in from `provider` whose `attribute`
-- (Cognito_Subject = the NameID, or a mapped user-pool attribute) equals `value`.
CREATE TABLE IF NOT EXISTS identity_links (
    pool_id TEXT NOT NULL,
    provider TEXT NOT NULL,
    attribute TEXT NOT NULL,
    value TEXT NOT NULL,
    username TEXT NOT NULL,
    created BIGINT NOT NULL,
    PRIMARY KEY (pool_id, provider, attribute, value)
);
CREATE INDEX IF NOT EXISTS identity_links_by_user ON identity_links (pool_id, username);

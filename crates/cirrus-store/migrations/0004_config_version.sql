-- Cirrus store, version 4: a counter that moves with every configuration change (pools, app
-- clients, domains, identity providers, JWT keys), in the same transaction. Every node caches
-- parsed configuration and trusts a cached record only while the counter it read it under is
-- still the current one.
CREATE TABLE IF NOT EXISTS config_version (
    id BIGINT NOT NULL PRIMARY KEY,
    n BIGINT NOT NULL
);
INSERT INTO config_version (id, n) VALUES (1, 0) ON CONFLICT DO NOTHING;

-- Cirrus store, version 1. Portable by construction: TEXT, BIGINT and BOOLEAN only, ids made by
-- the application, times in epoch milliseconds, records as JSON text. Runs unchanged on SQLite
-- and PostgreSQL.

CREATE TABLE IF NOT EXISTS user_pools (
    id TEXT NOT NULL PRIMARY KEY,
    created BIGINT NOT NULL,
    doc TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS pool_signing_keys (
    pool_id TEXT NOT NULL,
    created BIGINT NOT NULL,
    certificate TEXT NOT NULL,
    private_key TEXT NOT NULL,
    PRIMARY KEY (pool_id, created)
);

CREATE TABLE IF NOT EXISTS app_clients (
    client_id TEXT NOT NULL PRIMARY KEY,
    pool_id TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS app_clients_by_pool ON app_clients (pool_id, client_id);

CREATE TABLE IF NOT EXISTS domains (
    domain TEXT NOT NULL PRIMARY KEY,
    pool_id TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS domains_by_pool ON domains (pool_id);

CREATE TABLE IF NOT EXISTS identity_providers (
    pool_id TEXT NOT NULL,
    name TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (pool_id, name)
);

CREATE TABLE IF NOT EXISTS idp_identifiers (
    pool_id TEXT NOT NULL,
    identifier TEXT NOT NULL,
    provider_name TEXT NOT NULL,
    PRIMARY KEY (pool_id, identifier)
);

CREATE TABLE IF NOT EXISTS resource_servers (
    pool_id TEXT NOT NULL,
    identifier TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (pool_id, identifier)
);

CREATE TABLE IF NOT EXISTS users (
    pool_id TEXT NOT NULL,
    username TEXT NOT NULL,
    username_key TEXT NOT NULL,
    sub TEXT NOT NULL,
    status TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    created BIGINT NOT NULL,
    modified BIGINT NOT NULL,
    PRIMARY KEY (pool_id, username)
);
CREATE UNIQUE INDEX IF NOT EXISTS users_by_key ON users (pool_id, username_key);
CREATE UNIQUE INDEX IF NOT EXISTS users_by_sub ON users (pool_id, sub);

CREATE TABLE IF NOT EXISTS user_attributes (
    pool_id TEXT NOT NULL,
    username TEXT NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    value_lower TEXT NOT NULL,
    PRIMARY KEY (pool_id, username, name)
);
CREATE INDEX IF NOT EXISTS user_attributes_by_value ON user_attributes (pool_id, name, value);
CREATE INDEX IF NOT EXISTS user_attributes_by_value_lower ON user_attributes (pool_id, name, value_lower);

CREATE TABLE IF NOT EXISTS user_groups (
    pool_id TEXT NOT NULL,
    name TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (pool_id, name)
);

CREATE TABLE IF NOT EXISTS group_members (
    pool_id TEXT NOT NULL,
    group_name TEXT NOT NULL,
    username TEXT NOT NULL,
    PRIMARY KEY (pool_id, group_name, username)
);
CREATE INDEX IF NOT EXISTS group_members_by_user ON group_members (pool_id, username, group_name);

-- Twofold schema, PostgreSQL. Times are unix seconds; flags are 0/1 integers so that the same
-- queries run unchanged on SQLite (see ../sqlite/0001_init.sql).

CREATE TABLE server_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE users (
    id                 TEXT PRIMARY KEY,
    username           TEXT NOT NULL UNIQUE,
    first_name         TEXT,
    last_name          TEXT,
    email              TEXT,
    phone              TEXT,
    mfa_state          TEXT NOT NULL,
    needs_registration BIGINT NOT NULL DEFAULT 0,
    blocked            BIGINT NOT NULL DEFAULT 0,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);

CREATE TABLE devices (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    platform     TEXT NOT NULL,
    public_key   BYTEA NOT NULL,
    epoch        BIGINT NOT NULL,
    status       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX devices_user ON devices(user_id);

-- OATH credentials: the offline-code account of an activated device, or a hardware token.
-- `secret` is AES-256-GCM ciphertext under the master key (nonce || ciphertext || tag).
CREATE TABLE credentials (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    device_id  TEXT REFERENCES devices(id) ON DELETE CASCADE,
    source     TEXT NOT NULL,
    kind       TEXT NOT NULL,
    serial     TEXT,
    secret     BYTEA NOT NULL,
    algorithm  TEXT NOT NULL,
    digits     BIGINT NOT NULL,
    period     BIGINT NOT NULL,
    counter    BIGINT NOT NULL DEFAULT 0,
    last_step  BIGINT NOT NULL DEFAULT -1,
    drift      BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX credentials_user ON credentials(user_id);

CREATE TABLE lockouts (
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    factor       TEXT NOT NULL,
    failures     BIGINT NOT NULL,
    locked_until BIGINT NOT NULL,
    PRIMARY KEY (user_id, factor)
);

CREATE TABLE activations (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL UNIQUE REFERENCES users(id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);

CREATE TABLE applications (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    secret_hash TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE admin_credentials (
    id          TEXT PRIMARY KEY,
    secret_hash TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE audit (
    seq         BIGSERIAL PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    at          BIGINT NOT NULL,
    event       TEXT NOT NULL,
    username    TEXT,
    first_name  TEXT,
    last_name   TEXT,
    email       TEXT,
    phone       TEXT,
    device_id   TEXT,
    factor      TEXT,
    result      TEXT NOT NULL,
    reason      TEXT,
    server_name TEXT NOT NULL,
    server_ip   TEXT,
    client_ip   TEXT,
    application TEXT
);
CREATE INDEX audit_at ON audit(at);
CREATE INDEX audit_user_at ON audit(username, at);

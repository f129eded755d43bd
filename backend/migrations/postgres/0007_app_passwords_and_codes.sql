-- App passwords (issue 14): for clients that cannot do MFA. Only a keyed hash of each is
-- stored (HMAC-SHA256 under a key derived from the master key), never the password.
CREATE TABLE app_passwords (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    secret_hash  TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    UNIQUE (user_id, name)
);

-- One-time codes an administrator issues (issue 14): `kind` 'bypass' (expires_at set,
-- uses_left 1..=10) or 'recovery' (ten per set, uses_left 1, expires_at NULL). A new set of
-- a kind replaces the old one. A use is a conditional decrement of uses_left.
CREATE TABLE one_time_codes (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    code_hash    TEXT NOT NULL,
    uses_left    BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT,
    last_used_at BIGINT
);
CREATE INDEX one_time_codes_user ON one_time_codes(user_id, kind);

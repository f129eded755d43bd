-- The web console (issue 16): console administrators, who sign in with a password (an
-- Argon2id PHC string) and their own TOTP (the secret sealed under the master key like every
-- other secret; last_totp_step refuses a replayed code, RFC 6238 §5.2), and their sessions.
CREATE TABLE console_admins (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    password_hash  TEXT NOT NULL,
    totp_secret    BYTEA NOT NULL,
    last_totp_step BIGINT NOT NULL DEFAULT -1,
    created_at     BIGINT NOT NULL
);

-- A session is found by the keyed hash of its cookie value: the table never holds the value
-- a browser presents. Its CSRF token is derived from that value, so it is not stored either.
CREATE TABLE web_sessions (
    id_hash      TEXT PRIMARY KEY,
    admin_id     TEXT NOT NULL REFERENCES console_admins(id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX web_sessions_admin ON web_sessions(admin_id);

-- The console's user search: prefix ranges and keyset paging in byte order, on indexes.
CREATE INDEX users_username_bytes ON users(username COLLATE "C");
CREATE INDEX users_email_bytes ON users(email COLLATE "C");

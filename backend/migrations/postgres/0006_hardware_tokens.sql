-- OATH hardware tokens (issue 14), imported from PSKC (RFC 6030) or CSV seed files. A token
-- exists before it is assigned (user_id NULL); deleting its user unassigns it. `secret` is
-- AES-256-GCM ciphertext under the master key with the token id as associated data, like
-- credentials.secret. Replay state moves only forward: `counter` is the next HOTP counter
-- expected, `last_step` the last TOTP step accepted (-1: none), `drift` the learned clock
-- drift in steps.
CREATE TABLE hardware_tokens (
    id           TEXT PRIMARY KEY,
    serial       TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL,
    secret       BYTEA NOT NULL,
    algorithm    TEXT NOT NULL,
    digits       BIGINT NOT NULL,
    period       BIGINT NOT NULL,
    counter      BIGINT NOT NULL DEFAULT 0,
    last_step    BIGINT NOT NULL DEFAULT -1,
    drift        BIGINT NOT NULL DEFAULT 0,
    enabled      BIGINT NOT NULL DEFAULT 1,
    user_id      TEXT REFERENCES users(id) ON DELETE SET NULL,
    issuer       TEXT,
    manufacturer TEXT,
    model        TEXT,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT
);
CREATE INDEX hardware_tokens_user ON hardware_tokens(user_id);

-- Text-message and voice codes (issue 14): one row per code sent, keyed by the txid the
-- relying party submits the code with. Only a keyed hash of the code is stored (HMAC-SHA256
-- under a key derived from the master key, bound to the txid), never the code. `channel` is
-- 'sms' or 'voice'; `state` 'sending' (not usable until the gateway accepted it), 'sent'
-- (usable until expires_at, while attempts < 3), 'failed' (the gateway refused: never
-- usable) or 'used'. Rows also count the user's sends for the cap; old ones are deleted as
-- new ones are inserted.
CREATE TABLE sent_codes (
    id             TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    application_id TEXT NOT NULL,
    channel        TEXT NOT NULL,
    code_hash      TEXT NOT NULL,
    state          TEXT NOT NULL,
    attempts       BIGINT NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL
);
CREATE INDEX sent_codes_user ON sent_codes (user_id, channel, created_at);

-- Push sign-in challenges. The state moves only from 'pending', by compare-and-set:
-- pending -> approved | denied | expired | cancelled.
CREATE TABLE challenges (
    id             TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    application_id TEXT NOT NULL,
    application    TEXT NOT NULL,
    client_ip      TEXT NOT NULL,
    location       TEXT NOT NULL,
    user_agent     TEXT,
    number         TEXT,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    state          TEXT NOT NULL,
    reason         TEXT,
    device_id      TEXT,
    answered_at    BIGINT
);
CREATE INDEX challenges_user_created ON challenges(user_id, created_at);
CREATE INDEX challenges_state_expires ON challenges(state, expires_at);

-- The users' self-service portal (issue 16). A portal link is issued by an admin
-- (`twofold-server portal link NAME`); the table keeps only the keyed hash of its token, and
-- used_at is set by one conditional UPDATE, so a link signs in at most once on any node.
CREATE TABLE portal_links (
    id_hash    TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    admin_id   TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX portal_links_user ON portal_links(user_id);

-- A portal session, found by the keyed hash of its cookie value (as web_sessions).
-- verified = 0 until the user passed their second factor after the link (a user with no
-- factor yet starts verified: they have nothing to pass).
CREATE TABLE portal_sessions (
    id_hash      TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    verified     BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX portal_sessions_user ON portal_sessions(user_id);

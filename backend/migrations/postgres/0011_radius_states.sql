-- RADIUS Access-Challenge states (password_then_challenge, RFC 2865 §5.24): issued after
-- the primary password was accepted, taken once by the second Access-Request on any node.
-- `id` is the SHA-256 of the State value (hex), so a dump of the table cannot answer a
-- challenge. Rows are deleted when taken and when expired.
CREATE TABLE radius_states (
    id TEXT PRIMARY KEY,
    client TEXT NOT NULL,
    username TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX radius_states_expiry ON radius_states (expires_at);

-- Admin accountability (issue 13, item 13): every admin change names the admin token that
-- made it (`admin_id`, the token's id, never its secret) and what it did (`detail`); admin
-- tokens can be named and revoked (`revoked_at` set: the token no longer works, its row and
-- the audit records naming it stay).
ALTER TABLE audit ADD COLUMN admin_id TEXT;
ALTER TABLE audit ADD COLUMN detail TEXT;
CREATE INDEX audit_admin_at ON audit(admin_id, at);
ALTER TABLE admin_credentials ADD COLUMN name TEXT;
ALTER TABLE admin_credentials ADD COLUMN revoked_at BIGINT;

-- Users from the directory (issue 15). `source` is 'local' (added by an administrator or a
-- CSV import) or 'directory' (added by `directory sync`): a sync only ever changes the
-- latter, so local users are never disabled by it. `directory_id` is the entry's stable
-- identifier (entryUUID, RFC 4530; objectGUID on Active Directory) so a renamed entry stays
-- the same user; `directory_dn` its last known DN. `directory_disabled` = 1: the entry is
-- gone from the directory or out of the group; `directory_blocked` = 1: the sync set
-- `blocked` for that reason (and lifts it again when the entry comes back; a block an
-- administrator or a fraud report set is never lifted by a sync).
ALTER TABLE users ADD COLUMN source TEXT NOT NULL DEFAULT 'local';
ALTER TABLE users ADD COLUMN directory_id TEXT;
ALTER TABLE users ADD COLUMN directory_dn TEXT;
ALTER TABLE users ADD COLUMN directory_disabled BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN directory_blocked BIGINT NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX users_directory_id ON users(directory_id);

-- Which node runs the periodic directory sync: one row per job, held until `expires_at`.
CREATE TABLE directory_leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

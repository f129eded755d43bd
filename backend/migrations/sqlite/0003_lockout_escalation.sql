-- Escalating lockouts (issue 13): `failures` now counts on until a success instead of
-- starting again when a lock runs out; every `lockout_threshold`-th failure locks for twice
-- as long as the lock before. `permanent` = 1: locked until an administrator unlocks
-- (after `lockout_permanent_after` consecutive failures); `locked_until` is then unused.
ALTER TABLE lockouts ADD COLUMN permanent BIGINT NOT NULL DEFAULT 0;

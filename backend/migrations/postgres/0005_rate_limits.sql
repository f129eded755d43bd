-- Shared rate limits (issue 13 items 6, 8, 9): fixed-window counters every node sees.
-- `scope` says what is limited (activation attempts, push-cap refusals), `source` whom
-- (an IPv4 address, an IPv6 /64, a user id), `window_start` which window (unix seconds, a
-- multiple of the window's length). `hits` counts attempts, `refusals` refusals (only the
-- first refusal of a window is audited). Rows of past windows are deleted as new ones start.
CREATE TABLE rate_limits (
    scope TEXT NOT NULL,
    source TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    hits BIGINT NOT NULL DEFAULT 0,
    refusals BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (scope, source, window_start)
);
CREATE INDEX rate_limits_expiry ON rate_limits (scope, window_start);

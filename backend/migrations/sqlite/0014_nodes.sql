-- The nodes of the cluster (issue 16, the console's Server page): each node upserts its row
-- every few seconds (a heartbeat), so any node can list them all with when each was last
-- seen. `id` is the node's `server_name`; a restarted node takes its row over. Rows not
-- seen for a day are deleted by the heartbeats of the others.
CREATE TABLE nodes (
    id           TEXT PRIMARY KEY,
    address      TEXT NOT NULL,
    version      TEXT NOT NULL,
    started_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);

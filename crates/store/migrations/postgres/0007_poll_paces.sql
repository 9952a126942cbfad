-- The pace of token polls (spec §9, `slow_down`), shared by the nodes: one row per pending
-- request being polled, written by the poll's one statement. UNLOGGED: not WAL-logged (a poll
-- costs no WAL flush) and emptied after a PostgreSQL crash, which at worst forgets a pace.
-- too_soon is the verdict of the last poll; rows go with retention after expires_at.
-- (login_requests.last_poll and too_soon are no longer used; kept for nodes of the previous
-- release during a rolling upgrade.)
CREATE UNLOGGED TABLE poll_paces (
    auth_req_hash TEXT PRIMARY KEY,
    last_poll     BIGINT NOT NULL,
    poll_interval BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    too_soon      BOOLEAN NOT NULL
);
CREATE INDEX poll_paces_expires_at ON poll_paces (expires_at);

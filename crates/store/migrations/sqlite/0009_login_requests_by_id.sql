-- Login requests keyed by their id alone (WITHOUT ROWID: one B-tree for the row and its id),
-- found by that id: an auth_req_id now carries its request's id under a MAC, so a new request
-- stores no auth_req_hash and writes no entry into a random page of a hash index. Hashes of
-- requests made before stay findable until they expire (a partial index holds only them), as
-- do one-time codes (a partial index: pending requests, which have none, are not in it). The
-- poll pace columns, unused since migration 0007, are left out.
CREATE TABLE login_requests_by_id (
    id                TEXT PRIMARY KEY,
    auth_req_hash     TEXT,
    client_id         TEXT NOT NULL,
    user_id           TEXT NOT NULL,
    scopes            TEXT NOT NULL,
    binding_message   TEXT,
    nonce             TEXT,
    client_state      TEXT,
    redirect_uri      TEXT,
    status            TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    expires_at        INTEGER NOT NULL,
    poll_interval     INTEGER NOT NULL,
    decided_at        INTEGER,
    code_hash         TEXT,
    code_expires_at   INTEGER,
    code_used         INTEGER NOT NULL DEFAULT 0,
    code_replayed     INTEGER NOT NULL DEFAULT 0,
    delegated_answers TEXT,
    ping_body         BLOB
) WITHOUT ROWID;
INSERT INTO login_requests_by_id (id, auth_req_hash, client_id, user_id, scopes, binding_message, nonce,
    client_state, redirect_uri, status, created_at, expires_at, poll_interval, decided_at, code_hash,
    code_expires_at, code_used, code_replayed, delegated_answers, ping_body)
SELECT id, auth_req_hash, client_id, user_id, scopes, binding_message, nonce,
    client_state, redirect_uri, status, created_at, expires_at, poll_interval, decided_at, code_hash,
    code_expires_at, code_used, code_replayed, delegated_answers, ping_body
FROM login_requests;
DROP TABLE login_requests;
ALTER TABLE login_requests_by_id RENAME TO login_requests;
CREATE UNIQUE INDEX login_requests_auth_req_hash ON login_requests (auth_req_hash) WHERE auth_req_hash IS NOT NULL;
CREATE UNIQUE INDEX login_requests_code ON login_requests (code_hash) WHERE code_hash IS NOT NULL;
CREATE INDEX login_requests_open ON login_requests (user_id, status, client_id, expires_at);
CREATE INDEX login_requests_expiry ON login_requests (expires_at);

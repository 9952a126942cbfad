-- Account security (spec §10).
-- Devices: the public half of the app's signing key (a JWK; NULL for fixture devices that
-- decide with their PIN alone) and when the device was last used.
ALTER TABLE devices ADD COLUMN public_key TEXT;
ALTER TABLE devices ADD COLUMN last_used_at BIGINT;

-- Enrollments are kept for every number asked about, known or not, so that limits and answers
-- are the same for both: user_id is NULL when no active user has the number (its code is never
-- sent and never matches). Pending enrollments of the old shape are dropped: they live 10 minutes.
DROP TABLE enrollments;
CREATE TABLE enrollments (
    enrollment_id TEXT PRIMARY KEY,
    phone_number  TEXT NOT NULL,
    user_id       TEXT REFERENCES users (user_id) ON DELETE CASCADE,
    code_hash     TEXT NOT NULL,
    client_addr   TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    attempts      BIGINT NOT NULL DEFAULT 0,
    used          BOOLEAN NOT NULL DEFAULT FALSE,
    voided        BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX enrollments_phone ON enrollments (phone_number, created_at);
CREATE INDEX enrollments_addr ON enrollments (client_addr, created_at);

-- Code guesses per number: counted before a code is compared; the 10th wrong one in a window
-- of 24 hours locks the number's enrollment until `locked_until`.
CREATE TABLE enrollment_guards (
    phone_number TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    tries        BIGINT NOT NULL,
    locked_until BIGINT NOT NULL DEFAULT 0
);

-- The pending limit counts per user and client.
DROP INDEX login_requests_open;
CREATE INDEX login_requests_open ON login_requests (user_id, client_id, status, expires_at);
CREATE INDEX login_requests_user ON login_requests (user_id, status, expires_at);
-- Retention: ended requests and old tokens are found by time.
CREATE INDEX login_requests_expiry ON login_requests (expires_at);
CREATE INDEX access_tokens_expiry ON access_tokens (expires_at);

-- Spec §12 (FAPI-CIBA and the rest of CIBA Core).
-- A client's keys, signed-request algorithm, user-code flag, ID-token algorithm and profile,
-- as one JSON document (model::ClientSecurity).
ALTER TABLE clients ADD COLUMN security TEXT NOT NULL DEFAULT '{}';

-- JWT ids of client assertions and signed requests, each usable once, kept until it expires.
CREATE TABLE used_jtis (
    client_id  TEXT NOT NULL,
    jti        TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (client_id, jti)
);
CREATE INDEX used_jtis_expiry ON used_jtis (expires_at);

-- A user's user code (a PIN-like verifier), the wrong codes in a row and the lock they cause.
CREATE TABLE user_codes (
    user_id      TEXT PRIMARY KEY REFERENCES users (user_id) ON DELETE CASCADE,
    code_hash    TEXT NOT NULL,
    failures     BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT
);

-- One active signing key per algorithm (RS256, PS256, ES256) instead of one in all.
DROP INDEX signing_keys_one_active;
CREATE UNIQUE INDEX signing_keys_one_active_per_alg ON signing_keys (alg) WHERE active;

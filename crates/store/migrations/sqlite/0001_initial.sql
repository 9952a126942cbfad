-- phonelogin schema, SQLite. Times are Unix seconds. Secrets are stored only as SHA-256 hex
-- (tokens, codes, client secrets) or argon2id PHC strings (PINs).
CREATE TABLE clients (
    client_id          TEXT PRIMARY KEY,
    secret_hash        TEXT NOT NULL,
    name               TEXT NOT NULL,
    logo_url           TEXT,
    auth_method        TEXT NOT NULL,
    scopes             TEXT NOT NULL,
    redirect_uris      TEXT NOT NULL,
    grant_types        TEXT NOT NULL,
    sector             TEXT NOT NULL,
    delegated_consents TEXT,
    created_at         INTEGER NOT NULL
);

CREATE TABLE users (
    user_id        TEXT PRIMARY KEY,
    phone_number   TEXT NOT NULL UNIQUE,
    given_name     TEXT NOT NULL,
    family_name    TEXT NOT NULL,
    email          TEXT,
    email_verified INTEGER NOT NULL,
    birthdate      TEXT,
    nin            TEXT,
    active         INTEGER NOT NULL,
    addresses      TEXT NOT NULL,
    created_at     INTEGER NOT NULL
);

CREATE TABLE devices (
    device_id   TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    pin_hash    TEXT NOT NULL,
    app_version TEXT NOT NULL,
    failed_pins INTEGER NOT NULL DEFAULT 0,
    locked      INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    UNIQUE (user_id, name)
);

CREATE TABLE enrollments (
    enrollment_id TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    code_hash     TEXT NOT NULL,
    expires_at    INTEGER NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    used          INTEGER NOT NULL DEFAULT 0
);

-- Only written with --dev: the SMS a real sender would have sent.
CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    phone_number TEXT NOT NULL,
    message      TEXT NOT NULL,
    code         TEXT NOT NULL,
    sent_at      INTEGER NOT NULL
);

CREATE TABLE login_requests (
    id                TEXT PRIMARY KEY,
    auth_req_hash     TEXT NOT NULL UNIQUE,
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
    last_poll         INTEGER,
    too_soon          INTEGER NOT NULL DEFAULT 0,
    decided_at        INTEGER,
    code_hash         TEXT UNIQUE,
    code_expires_at   INTEGER,
    code_used         INTEGER NOT NULL DEFAULT 0,
    delegated_answers TEXT
);
CREATE INDEX login_requests_open ON login_requests (user_id, status, expires_at);

CREATE TABLE access_tokens (
    token_hash       TEXT PRIMARY KEY,
    login_request_id TEXT NOT NULL,
    client_id        TEXT NOT NULL,
    user_id          TEXT NOT NULL,
    scopes           TEXT NOT NULL,
    expires_at       INTEGER NOT NULL,
    revoked          INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX access_tokens_request ON access_tokens (login_request_id);

CREATE TABLE consents (
    user_id    TEXT NOT NULL,
    sector     TEXT NOT NULL,
    client_id  TEXT NOT NULL,
    scopes     TEXT NOT NULL,
    granted_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, sector)
);

CREATE TABLE consent_audit (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        INTEGER NOT NULL,
    user_id   TEXT NOT NULL,
    sector    TEXT NOT NULL,
    client_id TEXT NOT NULL,
    action    TEXT NOT NULL,
    scopes    TEXT NOT NULL
);
CREATE INDEX consent_audit_user ON consent_audit (user_id, id);

CREATE TABLE delegated_answers (
    user_id     TEXT NOT NULL,
    client_id   TEXT NOT NULL,
    answers     TEXT NOT NULL,
    answered_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, client_id)
);

CREATE TABLE signing_keys (
    kid            TEXT PRIMARY KEY,
    alg            TEXT NOT NULL,
    private_sealed BLOB NOT NULL,
    public_jwk     TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    active         INTEGER NOT NULL,
    retired_at     INTEGER
);

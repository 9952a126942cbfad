-- phonelogin schema, PostgreSQL: the same tables as migrations/sqlite/0001_initial.sql.
-- Times are Unix seconds (BIGINT). Secrets are stored only as SHA-256 hex (tokens, codes,
-- client secrets) or argon2id PHC strings (PINs).
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
    created_at         BIGINT NOT NULL
);

CREATE TABLE users (
    user_id        TEXT PRIMARY KEY,
    phone_number   TEXT NOT NULL UNIQUE,
    given_name     TEXT NOT NULL,
    family_name    TEXT NOT NULL,
    email          TEXT,
    email_verified BOOLEAN NOT NULL,
    birthdate      TEXT,
    nin            TEXT,
    active         BOOLEAN NOT NULL,
    addresses      TEXT NOT NULL,
    created_at     BIGINT NOT NULL
);

CREATE TABLE devices (
    device_id   TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    pin_hash    TEXT NOT NULL,
    app_version TEXT NOT NULL,
    failed_pins BIGINT NOT NULL DEFAULT 0,
    locked      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  BIGINT NOT NULL,
    UNIQUE (user_id, name)
);

CREATE TABLE enrollments (
    enrollment_id TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    code_hash     TEXT NOT NULL,
    expires_at    BIGINT NOT NULL,
    attempts      BIGINT NOT NULL DEFAULT 0,
    used          BOOLEAN NOT NULL DEFAULT FALSE
);

-- Only written with --dev: the SMS a real sender would have sent.
CREATE TABLE outbox (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    phone_number TEXT NOT NULL,
    message      TEXT NOT NULL,
    code         TEXT NOT NULL,
    sent_at      BIGINT NOT NULL
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
    created_at        BIGINT NOT NULL,
    expires_at        BIGINT NOT NULL,
    poll_interval     BIGINT NOT NULL,
    last_poll         BIGINT,
    too_soon          BOOLEAN NOT NULL DEFAULT FALSE,
    decided_at        BIGINT,
    code_hash         TEXT UNIQUE,
    code_expires_at   BIGINT,
    code_used         BOOLEAN NOT NULL DEFAULT FALSE,
    delegated_answers TEXT
);
CREATE INDEX login_requests_open ON login_requests (user_id, status, expires_at);

CREATE TABLE access_tokens (
    token_hash       TEXT PRIMARY KEY,
    login_request_id TEXT NOT NULL,
    client_id        TEXT NOT NULL,
    user_id          TEXT NOT NULL,
    scopes           TEXT NOT NULL,
    expires_at       BIGINT NOT NULL,
    revoked          BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX access_tokens_request ON access_tokens (login_request_id);

CREATE TABLE consents (
    user_id    TEXT NOT NULL,
    sector     TEXT NOT NULL,
    client_id  TEXT NOT NULL,
    scopes     TEXT NOT NULL,
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, sector)
);

CREATE TABLE consent_audit (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at        BIGINT NOT NULL,
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
    answered_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, client_id)
);

CREATE TABLE signing_keys (
    kid            TEXT PRIMARY KEY,
    alg            TEXT NOT NULL,
    private_sealed BYTEA NOT NULL,
    public_jwk     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    active         BOOLEAN NOT NULL,
    retired_at     BIGINT
);

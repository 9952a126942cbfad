-- Operators (PRODUCT §13): admin tokens (stored as SHA-256 hex), the audit log of every admin
-- call, and the SCIM externalId a provisioning client keeps for a user.
CREATE TABLE admin_tokens (
    name       TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE admin_audit (
    id     BIGSERIAL PRIMARY KEY,
    at     BIGINT NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    status BIGINT NOT NULL
);

CREATE TABLE user_external_ids (
    user_id     TEXT PRIMARY KEY REFERENCES users (user_id) ON DELETE CASCADE,
    external_id TEXT NOT NULL
);

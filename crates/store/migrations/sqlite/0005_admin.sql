-- Operators (PRODUCT §13): admin tokens (stored as SHA-256 hex), the audit log of every admin
-- call, and what SCIM keeps of a user beside the profile: the client's externalId, its
-- emails/phoneNumbers/addresses as sent, and when
-- it was deleted through SCIM (the user stays, deactivated; SCIM answers 404 for it).
CREATE TABLE admin_tokens (
    name       TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);

CREATE TABLE admin_audit (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    at     INTEGER NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    status INTEGER NOT NULL
);

CREATE TABLE scim_users (
    user_id     TEXT PRIMARY KEY REFERENCES users (user_id) ON DELETE CASCADE,
    external_id TEXT,
    -- The multi-valued attributes as the client last sent them (JSON), shown back while
    -- they agree with the profile.
    kept        TEXT,
    deleted_at  INTEGER
);

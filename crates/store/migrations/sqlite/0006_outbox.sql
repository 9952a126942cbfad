-- Delivery (spec §11): merchant webhooks and CIBA ping mode on clients, the prepared ping of
-- a login request, the outbox of everything sent out, push subscriptions, the VAPID key.
ALTER TABLE clients ADD COLUMN webhook_url TEXT;
ALTER TABLE clients ADD COLUMN webhook_secret BLOB;
ALTER TABLE clients ADD COLUMN token_delivery_mode TEXT NOT NULL DEFAULT 'poll';
ALTER TABLE clients ADD COLUMN notification_endpoint TEXT;
ALTER TABLE login_requests ADD COLUMN ping_body BLOB;

-- status: pending | delivered | dropped. The body is sealed with the server secret and
-- emptied when the message ends.
CREATE TABLE outbox_messages (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    target          TEXT NOT NULL,
    body            BLOB NOT NULL,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    lease_until     INTEGER,
    status          TEXT NOT NULL DEFAULT 'pending',
    ended_at        INTEGER
);
CREATE INDEX outbox_messages_due ON outbox_messages (next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_messages_ended ON outbox_messages (ended_at) WHERE status <> 'pending';

CREATE TABLE push_subscriptions (
    device_id  TEXT PRIMARY KEY REFERENCES devices (device_id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL,
    endpoint   TEXT NOT NULL,
    p256dh     TEXT NOT NULL,
    auth       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);

CREATE TABLE vapid_key (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    private_sealed BLOB NOT NULL,
    public_key     TEXT NOT NULL,
    created_at     INTEGER NOT NULL
);

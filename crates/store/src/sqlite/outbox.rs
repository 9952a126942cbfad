//! The outbox (spec §11): messages written with their cause, claimed by one worker at a time
//! under a lease, retried, ended. SQLite has one writer, so a claim is one atomic update.
use async_trait::async_trait;
use phonelogin_core::clock::UnixTime;
use phonelogin_core::outbox::{Message, NewMessage, Target, ping_id};
use phonelogin_core::store::{OutboxStore, StoreResult};
use rusqlite::{Connection, params};

use super::{SqliteStore, all, exec, one};
use crate::rows::{Fields, MESSAGE_COLS, message};

/// Writes messages inside the caller's transaction; a `UserDevices` target becomes one row per
/// push subscription.
/// Writes `messages`; how many rows that made (a push: one per subscribed device).
pub(super) fn insert_messages(c: &Connection, messages: &[NewMessage]) -> StoreResult<u64> {
    let mut written = 0;
    for m in messages {
        written += match &m.target {
            Target::UserDevices { user_id, except_device } => exec(
                c,
                "INSERT INTO outbox_messages (id, kind, target, body, created_at, expires_at, next_attempt_at)
                 SELECT ?1 || ':' || device_id, ?2, device_id, ?3, ?4, ?5, ?4 FROM push_subscriptions
                 WHERE user_id = ?6 AND device_id IS NOT ?7",
                params![m.id, m.kind.as_str(), m.body, m.created_at, m.expires_at, user_id, except_device],
            ),
            target => exec(
                c,
                "INSERT INTO outbox_messages (id, kind, target, body, created_at, expires_at, next_attempt_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?5)",
                params![
                    m.id,
                    m.kind.as_str(),
                    match target {
                        Target::Client(id) => id.as_str(),
                        _ => "",
                    },
                    m.body,
                    m.created_at,
                    m.expires_at,
                ],
            ),
        }? as u64;
    }
    Ok(written)
}

/// Puts a decided request's prepared ping into the outbox, inside the decision's transaction.
pub(super) fn queue_ping(c: &Connection, request_id: &str, now: UnixTime) -> StoreResult<()> {
    exec(
        c,
        "INSERT INTO outbox_messages (id, kind, target, body, created_at, expires_at, next_attempt_at)
         SELECT ?1, 'ciba_ping', client_id, ping_body, ?3, expires_at, ?3 FROM login_requests
         WHERE id = ?2 AND ping_body IS NOT NULL",
        params![ping_id(request_id), request_id, now],
    )
    .map(drop)
}

#[async_trait]
impl OutboxStore for SqliteStore {
    async fn enqueue_messages(&self, messages: &[NewMessage]) -> StoreResult<()> {
        let messages = messages.to_vec();
        self.write(move |c| insert_messages(c, &messages).map(drop)).await
    }

    async fn claim_messages(&self, now: UnixTime, lease: i64, limit: i64) -> StoreResult<Vec<Message>> {
        // Most wake-ups find nothing due (a login for a user without Web Push): a read on the
        // partial index answers that without taking a turn on the one writer.
        let due = self.read(|c| {
            one(
                c,
                "SELECT 1 FROM outbox_messages WHERE status = 'pending' AND next_attempt_at <= ?1
                   AND (lease_until IS NULL OR lease_until <= ?1) LIMIT 1",
                [now],
                |_| Ok(()),
            )
        })?;
        if due.is_none() {
            return Ok(Vec::new());
        }
        self.write(move |c| {
            all(
                c,
                &format!(
                    "UPDATE outbox_messages SET lease_until = ?1 + ?2
                     WHERE id IN (SELECT id FROM outbox_messages
                                  WHERE status = 'pending' AND next_attempt_at <= ?1 AND (lease_until IS NULL OR lease_until <= ?1)
                                  ORDER BY next_attempt_at LIMIT ?3)
                     RETURNING {MESSAGE_COLS}"
                ),
                params![now, lease, limit],
                |r| message(r),
            )
        })
        .await
    }

    async fn message_delivered(&self, id: &str, now: UnixTime) -> StoreResult<()> {
        self.end_message(id, "delivered", now).await
    }

    async fn message_failed(&self, id: &str, retry_at: UnixTime) -> StoreResult<()> {
        self.execute(
            "UPDATE outbox_messages SET attempts = attempts + 1, lease_until = NULL, next_attempt_at = ?2
             WHERE id = ?1 AND status = 'pending'",
            (id.to_owned(), retry_at),
        )
        .await
        .map(drop)
    }

    async fn message_dropped(&self, id: &str, now: UnixTime) -> StoreResult<()> {
        self.end_message(id, "dropped", now).await
    }

    async fn retry_pending_now(&self, now: UnixTime) -> StoreResult<u64> {
        let sql = "UPDATE outbox_messages SET next_attempt_at = ?1 WHERE status = 'pending' AND next_attempt_at > ?1";
        Ok(self.execute(sql, [now]).await? as u64)
    }

    async fn pending_messages(&self) -> StoreResult<i64> {
        self.read(|c| {
            one(c, "SELECT COUNT(*) AS n FROM outbox_messages WHERE status = 'pending'", [], |row| row.int("n"))
                .map(Option::unwrap_or_default)
        })
    }
}

impl SqliteStore {
    async fn end_message(&self, id: &str, status: &'static str, now: UnixTime) -> StoreResult<()> {
        self.execute(
            "UPDATE outbox_messages SET status = ?2, ended_at = ?3, body = x'', lease_until = NULL
             WHERE id = ?1 AND status = 'pending'",
            (id.to_owned(), status, now),
        )
        .await
        .map(drop)
    }
}

//! The outbox (spec §11): messages written with their cause, claimed by one worker at a time
//! under a lease, retried, ended. PostgreSQL: a claim takes due rows with `FOR UPDATE SKIP LOCKED`, so nodes claiming together
//! get different messages, and leases them for the delivery that follows outside the transaction.
use async_trait::async_trait;
use phonelogin_core::clock::UnixTime;
use phonelogin_core::outbox::{Message, NewMessage, Target};
use phonelogin_core::store::{OutboxStore, StoreResult};
use sqlx::PgConnection;

use super::PostgresStore;
use crate::err;
use crate::rows::{MESSAGE_COLS, message};

/// Writes messages inside the caller's transaction; a `UserDevices` target becomes one row per
/// push subscription. How many rows that made.
pub(super) async fn insert_messages(conn: &mut PgConnection, messages: &[NewMessage]) -> StoreResult<u64> {
    let mut written = 0;
    for m in messages {
        let query = match &m.target {
            Target::UserDevices { user_id, except_device } => sqlx::query(
                "INSERT INTO outbox_messages (id, kind, target, body, created_at, expires_at, next_attempt_at)
                 SELECT $1::text || ':' || device_id, $2, device_id, $3, $4, $5, $4 FROM push_subscriptions
                 WHERE user_id = $6 AND device_id IS DISTINCT FROM $7",
            )
            .bind(&m.id)
            .bind(m.kind.as_str())
            .bind(&m.body)
            .bind(m.created_at)
            .bind(m.expires_at)
            .bind(user_id)
            .bind(except_device.as_deref()),
            target => sqlx::query(
                "INSERT INTO outbox_messages (id, kind, target, body, created_at, expires_at, next_attempt_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $5)",
            )
            .bind(&m.id)
            .bind(m.kind.as_str())
            .bind(match target {
                Target::Client(id) => id.as_str(),
                _ => "",
            })
            .bind(&m.body)
            .bind(m.created_at)
            .bind(m.expires_at),
        };
        written += query.execute(&mut *conn).await.map_err(err)?.rows_affected();
    }
    Ok(written)
}

#[async_trait]
impl OutboxStore for PostgresStore {
    async fn enqueue_messages(&self, messages: &[NewMessage]) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        insert_messages(&mut tx, messages).await?;
        tx.commit().await.map_err(err)
    }

    async fn claim_messages(&self, now: UnixTime, lease: i64, limit: i64) -> StoreResult<Vec<Message>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE outbox_messages SET lease_until = $1 + $2
             WHERE id IN (SELECT id FROM outbox_messages
                          WHERE status = 'pending' AND next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until <= $1)
                          ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
             RETURNING {MESSAGE_COLS}"
        )))
        .bind(now)
        .bind(lease)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        rows.iter().map(message).collect()
    }

    async fn message_delivered(&self, id: &str, now: UnixTime) -> StoreResult<()> {
        self.end_message(id, "delivered", now).await
    }

    async fn message_failed(&self, id: &str, retry_at: UnixTime) -> StoreResult<()> {
        sqlx::query(
            "UPDATE outbox_messages SET attempts = attempts + 1, lease_until = NULL, next_attempt_at = $2
             WHERE id = $1 AND status = 'pending'",
        )
        .bind(id)
        .bind(retry_at)
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(())
    }

    async fn message_dropped(&self, id: &str, now: UnixTime) -> StoreResult<()> {
        self.end_message(id, "dropped", now).await
    }

    async fn retry_pending_now(&self, now: UnixTime) -> StoreResult<u64> {
        let r = sqlx::query(
            "UPDATE outbox_messages SET next_attempt_at = $1 WHERE status = 'pending' AND next_attempt_at > $1",
        )
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(r.rows_affected())
    }

    async fn pending_messages(&self) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM outbox_messages WHERE status = 'pending'")
            .fetch_one(&self.pool)
            .await
            .map_err(err)
    }
}

impl PostgresStore {
    async fn end_message(&self, id: &str, status: &str, now: UnixTime) -> StoreResult<()> {
        sqlx::query(
            "UPDATE outbox_messages SET status = $2, ended_at = $3, body = ''::bytea, lease_until = NULL
             WHERE id = $1 AND status = 'pending'",
        )
        .bind(id)
        .bind(status)
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(())
    }
}

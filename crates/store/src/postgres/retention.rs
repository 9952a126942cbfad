//! Retention (spec §10): what ended before the cut-off goes, in small batches, each batch in a
//! transaction that holds a transaction-level advisory lock, so that one node of a cluster at
//! a time does it (the others find the lock taken and skip that round).
use async_trait::async_trait;
use phonelogin_core::clock::UnixTime;
use phonelogin_core::store::{RetentionStore, StoreResult};

use super::PostgresStore;
use crate::err;

/// The advisory lock's key ("RETN").
const RETENTION_LOCK: i64 = 0x5245_544e;

/// One batch per kind: `$1` the cut-off, `$2` the batch size.
const PURGES: [&str; 7] = [
    "DELETE FROM login_requests WHERE id IN (SELECT id FROM login_requests WHERE expires_at < $1 LIMIT $2)",
    "DELETE FROM poll_paces WHERE auth_req_hash IN (SELECT auth_req_hash FROM poll_paces WHERE expires_at < $1 LIMIT $2)",
    "DELETE FROM access_tokens WHERE token_hash IN (SELECT token_hash FROM access_tokens WHERE expires_at < $1 LIMIT $2)",
    "DELETE FROM enrollments WHERE enrollment_id IN (SELECT enrollment_id FROM enrollments WHERE expires_at < $1 LIMIT $2)",
    "DELETE FROM enrollment_guards WHERE phone_number IN (SELECT phone_number FROM enrollment_guards
       WHERE window_start < $1 AND locked_until < $1 LIMIT $2)",
    "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE sent_at < $1 LIMIT $2)",
    "DELETE FROM outbox_messages WHERE id IN (SELECT id FROM outbox_messages WHERE status <> 'pending' AND ended_at < $1 LIMIT $2)",
];

#[async_trait]
impl RetentionStore for PostgresStore {
    async fn purge(&self, before: UnixTime, batch: i64) -> StoreResult<u64> {
        let mut tx = self.begin().await?;
        let mine: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
            .bind(RETENTION_LOCK)
            .fetch_one(&mut *tx)
            .await
            .map_err(err)?;
        if !mine {
            return Ok(0);
        }
        let mut deleted = 0;
        for sql in PURGES {
            let r = sqlx::query(sql).bind(before).bind(batch).execute(&mut *tx).await.map_err(err)?;
            deleted += r.rows_affected();
        }
        tx.commit().await.map_err(err)?;
        Ok(deleted)
    }
}
